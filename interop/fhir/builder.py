"""Stable ids and references, and the Builder that collects one patient's resources and
validates them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from fhir.resources import R4B as fhir_r4b  # noqa: F401  (imported to fail early when missing)
from fhir.resources.R4B import get_fhir_model_class

from .codes import NAMESPACE, PROVENANCE_AGENT, UCUM

if TYPE_CHECKING:
    from patients.models import Patient
    from rtr.accounts.models import User


def rid(*parts: object) -> str:
    """A stable FHIR id for an RTR row (or a value derived from one)."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def instant(moment: datetime) -> str:
    return moment.isoformat()


def quantity(value: Any, unit: str) -> dict[str, Any]:
    number = float(value) if isinstance(value, Decimal) else value
    return {"value": number, "unit": unit, "system": UCUM, "code": unit}


@dataclass
class Builder:
    """Collects one patient's resources (as dicts) in order; `resources()` validates them."""

    patient: Patient
    base: str = field(default_factory=lambda: settings.SITE_URL + "/fhir")
    items: list[dict[str, Any]] = field(default_factory=list)
    practitioners: dict[int, str] = field(default_factory=dict)
    observations_by_day: dict[date, dict[str, str]] = field(default_factory=dict)
    questionnaire_by_day: dict[date, str] = field(default_factory=dict)

    @property
    def patient_id(self) -> str:
        return str(self.patient.public_id)

    @property
    def subject(self) -> dict[str, str]:
        return ref("Patient", self.patient_id)

    def add(self, resource: dict[str, Any]) -> str:
        self.items.append(resource)
        return str(resource["id"])

    def agent(self, user: User | None) -> dict[str, str] | None:
        """The Patient (when the athlete recorded it) or a Practitioner resource for a user."""
        if user is None:
            return None
        if user.pk == self.patient.user_id:
            return self.subject
        if user.pk not in self.practitioners:
            practitioner_id = str(user.public_id)
            self.practitioners[user.pk] = practitioner_id
            name: dict[str, Any] = {"text": user.get_full_name() or user.email}
            if user.last_name:
                name["family"] = user.last_name
            if user.first_name:
                name["given"] = [user.first_name]
            self.add({"resourceType": "Practitioner", "id": practitioner_id, "name": [name]})
        return ref("Practitioner", self.practitioners[user.pk])

    def provenance(
        self, key: str, targets: list[str], recorded: datetime, who: User | None, activity: str
    ) -> None:
        agent = self.agent(who) or ref("Organization", str(self.patient.clinic.public_id))
        self.add(
            {
                "resourceType": "Provenance",
                "id": rid("provenance", key),
                "target": [{"reference": t} for t in targets],
                "recorded": instant(recorded),
                "activity": {"text": activity},
                "agent": [
                    {
                        "type": {
                            "coding": [
                                {"system": PROVENANCE_AGENT, "code": "author", "display": "Author"}
                            ]
                        },
                        "who": agent,
                    }
                ],
            }
        )

    def resources(self) -> list[Any]:
        """Every collected resource as a validated R4B model (raises on any invalid one)."""
        return [get_fhir_model_class(r["resourceType"]).model_validate(r) for r in self.items]
