"""A patient's resources put together: in the order of a Bundle's entries, as one validated
Bundle, or as NDJSON lines for the bulk export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from checkins.models import CheckIn, Flag
from patients.models import Injury, Patient
from protocols.models import Plan, PlanStatus

from .builder import Builder, rid
from .careplan import add_careplans
from .codes import FHIR_VERSION
from .issues import add_detected_issues
from .observations import add_checkins
from .patient import add_conditions, add_patient, body_site


class NotExportable(Exception):
    """The patient's personal data was erased: there is no record to send anywhere."""


def patient_resources(
    patient: Patient, *, start: date | None = None, end: date | None = None
) -> list[Any]:
    """Every FHIR resource of one patient, validated (the order of a Bundle's entries).

    With a range (the bulk export), only the check-ins and flags of those days.
    """
    if patient.erased_at is not None:
        raise NotExportable
    b = Builder(patient=patient)
    add_patient(b)
    injuries = list(
        Injury.objects.filter(patient=patient)
        .select_related("created_by")
        .prefetch_related("imaging")
        .order_by("diagnosed_on", "pk")
    )
    plans = list(
        Plan.objects.filter(patient=patient)
        .select_related("content", "current_stage", "created_by")
        .prefetch_related("content__stages__criteria", "decisions__decided_by")
        .order_by("created_at", "pk")
    )
    ended = any(p.status == PlanStatus.COMPLETED for p in plans) and not any(
        p.status in ("active", "paused") for p in plans
    )
    condition_ids = add_conditions(b, injuries, ended)
    current = next((i for i in injuries if i.is_current), injuries[-1] if injuries else None)
    add_careplans(b, plans, condition_ids.get(current.pk) if current else None)
    checkin_rows = CheckIn.objects.filter(patient=patient)
    flag_rows = Flag.objects.filter(patient=patient)
    if start is not None and end is not None:
        checkin_rows = checkin_rows.filter(date__range=(start, end))
        flag_rows = flag_rows.filter(first_seen_date__range=(start, end))
    checkins = list(checkin_rows.select_related("submitted_by").order_by("date"))
    add_checkins(b, checkins, body_site(current) if current else None)
    add_detected_issues(
        b,
        list(flag_rows.select_related("plan", "resolved_by").order_by("opened_at", "pk")),
    )
    return b.resources()


def patient_bundle(patient: Patient) -> Any:
    """The patient's record as one validated FHIR Bundle (type collection)."""
    base = settings.SITE_URL + "/fhir"
    resources = patient_resources(patient)
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": rid("bundle", patient.public_id, timezone.now().isoformat()),
            "meta": {
                "tag": [
                    {
                        "system": "http://hl7.org/fhir/FHIR-version",
                        "code": FHIR_VERSION,
                        "display": f"FHIR R4 {FHIR_VERSION}",
                    }
                ]
            },
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": [
                {
                    "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
                    "resource": r,
                }
                for r in resources
            ],
        }
    )


def bundle_json(patient: Patient) -> str:
    return str(patient_bundle(patient).model_dump_json())


def ndjson_lines(resources: list[Any]) -> Iterator[tuple[str, str, str]]:
    """(resource type, id, one NDJSON line) per resource."""
    for resource in resources:
        yield (
            resource.get_resource_type(),
            str(resource.id),
            json.dumps(json.loads(resource.model_dump_json()), separators=(",", ":")),
        )
