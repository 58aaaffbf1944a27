"""The athlete's check-in panel on the home page (below today's session)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from protocols import selectors as protocol_selectors
from protocols.models import Plan
from rtr.panels import Panel

from . import services
from .forms import CheckInForm, checkin_form_for, same_as_yesterday
from .models import SUBJECTIVE_FIELDS, CheckIn
from .selectors import my_patient

if TYPE_CHECKING:
    from django.http import HttpRequest


def checkin_panel(request: HttpRequest) -> Panel | None:
    patient = my_patient(request)  # type: ignore[arg-type]
    if patient is None:
        return None
    today = services.local_today(patient)
    existing = CheckIn.objects.filter(patient=patient, date=today).first()
    yesterday = CheckIn.objects.filter(
        patient=patient, date=today.fromordinal(today.toordinal() - 1)
    ).first()
    form = getattr(request, "checkin_form", None) or checkin_form_for(patient)
    plan = (
        Plan.objects.filter(patient=patient, status="active")
        .select_related("current_stage", "current_step")
        .first()
    )
    run_day = protocol_selectors.prescription_for(plan, today).is_run_day if plan else False
    day_before = today.fromordinal(today.toordinal() - 1)
    # "Yesterday (missed)" only for a day that could have been missed: not before the plan
    # starts, nor before the athlete was registered.
    registered = timezone.localdate(patient.created_at, timezone=patient.clinic.zone)
    open_plan = protocol_selectors.open_plan_of(patient)
    yesterday_counts = registered <= day_before and (
        open_plan is None or open_plan.start_date <= day_before
    )
    return Panel(
        "checkins/_checkin_panel.html",
        {
            "run_day": run_day,
            "form": form,
            "existing": existing,
            "today": today,
            "yesterday_missing": yesterday is None and yesterday_counts,
            # Offered only as the athlete's own tap ("same as yesterday"), never pre-filled.
            "same_as_yesterday": same_as_yesterday(yesterday) if existing is None else {},
            "yesterday": day_before,
            "recovery_open": recovery_open(form),
        },
    )


RECOVERY_FIELDS = (*SUBJECTIVE_FIELDS, "menstrual_status")


def recovery_open(form: CheckInForm) -> bool:
    """The folded recovery questions open when one of them is answered or holds an error."""
    for name in RECOVERY_FIELDS:
        if name not in form.fields:
            continue
        if form[name].errors or form[name].value() not in (None, ""):
            return True
    return False
