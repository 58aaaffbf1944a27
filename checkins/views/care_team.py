"""The care team's check-in pages: the patient's check-ins section and log, the CSV export,
and the plan page's proposal (the next stage's criteria as the check-ins show them)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from auditlog.signals import accessed
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from checkins import selectors, services
from checkins.models import CheckIn
from checkins.review import proposal
from checkins.warning_signs import thresholds
from patients.models import Patient
from protocols.models import Plan
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404, staff_required

if TYPE_CHECKING:
    from rtr.http import AuthedRequest

LOG_DAYS = 180
SECTION_DAYS = 28


@require_GET
@staff_required
def patient_checkins_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("clinic", "user"), request, patient_id
    )
    clinical = request.membership is not None and request.membership.is_clinical
    today = services.local_today(patient)
    first = today - timedelta(days=SECTION_DAYS - 1)
    checkins = selectors.checkins_between(patient, first, today)
    since = selectors.plan_start(patient)
    limits = thresholds.for_clinic(patient.clinic_id) if clinical else None
    shown_from = selectors.chart_first_day(checkins, first=first, last=today, since=since)
    context: dict[str, Any] = {
        "patient": patient,
        "clinical": clinical,
        "plan_start": since,
        "today": today,
        "has_checkins": bool(checkins),
        "week": selectors.adherence(checkins, today=today, days=7, since=since),
        "month": selectors.adherence(checkins, today=today, days=28, since=since),
        "chart": selectors.chart_data(
            checkins, first=shown_from, last=today, clinical=clinical, limits=limits
        ),
    }
    if clinical:
        context["rows"] = selectors.log_rows(checkins, limits)[:7]
    return render(request, "checkins/_patient_section.html", context)


@require_GET
@clinical_staff_required
def patient_checkin_log(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    today = services.local_today(patient)
    first = today - timedelta(days=LOG_DAYS - 1)
    checkins = selectors.checkins_between(patient, first, today)
    since = selectors.plan_start(patient)
    limits = thresholds.for_clinic(patient.clinic_id)
    return render(
        request,
        "checkins/checkin_log.html",
        {
            "patient": patient,
            "rows": selectors.log_rows(checkins, limits),
            "chart": selectors.chart_data(
                checkins, first=first, last=today, clinical=True, limits=limits
            ),
            "week": selectors.adherence(checkins, today=today, days=7, since=since),
            "month": selectors.adherence(checkins, today=today, days=28, since=since),
            "days": LOG_DAYS,
        },
    )


CSV_FIELDS = [
    "date",
    "is_late",
    *services.CHECKIN_FIELDS,
    "prescribed_kind",
    "prescribed_label",
    "prescribed_run_minutes",
    "submitted_at",
    "edited_at",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@clinical_staff_required
def patient_checkins_csv(request: AuthedRequest, patient_id: UUID) -> StreamingHttpResponse:
    """All of a patient's check-ins, one row per day, streamed."""
    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    accessed.send(sender=Patient, instance=patient)  # an export is audited as an access
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_FIELDS)
        for checkin in (
            CheckIn.objects.filter(patient=patient).order_by("date").iterator(chunk_size=500)
        ):
            yield writer.writerow([_csv_value(getattr(checkin, field)) for field in CSV_FIELDS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkins-{patient.public_id}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value  # never let a spreadsheet run a formula typed into a note
    return "" if value is None else value


@require_GET
@clinical_staff_required
def plan_proposal(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    """On the plan page: the next stage's criteria as far as the check-ins show them."""
    plan = get_visible_or_404(
        Plan.objects.select_related("patient", "patient__clinic", "current_stage"),
        request,
        plan_id,
    )
    stages = list(plan.content.stages.prefetch_related("criteria").order_by("order"))
    next_stage = plan.stage_position(stages).next
    items = (
        proposal.assess(
            list(next_stage.criteria.all()),
            patient_id=plan.patient_id,
            today=services.local_today(plan.patient),
        )
        if next_stage
        else []
    )
    measured = [i for i in items if i.met is not None]
    return render(
        request,
        "checkins/_proposal.html",
        {
            "items": items,
            "next_stage": next_stage,
            "met": sum(1 for i in measured if i.met),
            "total": len(items),
            "unmeasured": len(items) - len(measured),
            "ready": bool(items)
            and all(i.met for i in items if i.met is not None)
            and len(measured) == len(items),
        },
    )
