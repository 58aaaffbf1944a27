"""The athlete's own pages: today's check-in (sent from the home page's panel), its
confirmation, and their history. The athlete's record comes from the session, never the URL."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checkins import logic, offline, selectors, services
from checkins.forms import checkin_form_for
from checkins.models import CheckIn
from checkins.selectors import my_patient
from checkins.warning_signs import thresholds
from protocols import selectors as protocol_selectors
from protocols.models import Plan, PlanStatus
from rtr.accounts.tenancy import athlete_required, get_visible_or_404
from rtr.http import rate_limit
from rtr.panels import athlete_home_context
from rtr.service_views import call_service

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@require_POST
@rate_limit(key="user", rate="20/m", method="POST")
@athlete_required
def checkin_submit(request: AuthedRequest) -> HttpResponse:
    patient = my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=409)
    if offline.for_another_account(request.POST, request.user):  # issue 21: a shared phone
        messages.error(
            request,
            _("That check-in was filled in on this phone for another account: nothing was saved."),
        )
        return redirect("athlete_home")
    form = checkin_form_for(patient, request.POST)
    if form.is_valid():
        saved = call_service(
            form,
            lambda: services.checkin_submit(
                patient=patient,
                by=request.user,
                day=form.cleaned_data["date"],
                data=form.checkin_data(),
                client_id=offline.client_id_from(request.POST),  # issue 21: sent twice, saved once
            ),
        )
        if saved is not None:
            checkin, created = saved
            messages.success(request, _("Check-in saved.") if created else _("Check-in updated."))
            return redirect("checkins:done", checkin_id=checkin.public_id)
    request.checkin_form = form  # type: ignore[attr-defined]  # the panel shows the errors
    return render(request, "rtr/athlete_home.html", athlete_home_context(request), status=400)


@require_GET
@athlete_required
def checkin_done(request: AuthedRequest, checkin_id: UUID) -> HttpResponse:
    checkin = get_visible_or_404(
        CheckIn.objects.select_related("patient", "patient__assigned_physio", "plan"),
        request,
        checkin_id,
    )
    plan = checkin.plan
    limits = thresholds.for_clinic(checkin.patient.clinic_id)
    upcoming = None
    if plan is not None:
        plan = Plan.objects.select_related("current_stage", "current_step").get(pk=plan.pk)
        for offset in range(1, 8):
            rx = protocol_selectors.prescription_for(plan, checkin.date + timedelta(days=offset))
            if rx.is_session or rx.kind in {"paused", "finished", "not_started"}:
                upcoming = rx
                break
    return render(
        request,
        "checkins/checkin_done.html",
        {
            "checkin": checkin,
            # The clinic's own limits: a lead's override changes this notice as it changes the
            # rules and the step progression.
            "red_flags": logic.red_flags(checkin, limits),
            "over_limit": logic.run_pain_over_limit(checkin, limits),
            "pain_limit": thresholds.number_text(
                thresholds.value(limits, thresholds.RUN_PAIN_LIMIT)
            ),
            "upcoming": upcoming,
            "physio": checkin.patient.assigned_physio,
        },
    )


@require_GET
@athlete_required
def athlete_history(request: AuthedRequest) -> HttpResponse:
    patient = my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=200)
    today = services.local_today(patient)
    first = today - timedelta(days=41)
    checkins = selectors.checkins_between(patient, first, today)
    limits = thresholds.for_clinic(patient.clinic_id)
    plan = (
        Plan.objects.filter(patient=patient)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("current_stage", "current_step", "content", "patient")
        .order_by("-created_at")
        .first()
    )
    shown_from = selectors.chart_first_day(
        checkins, first=first, last=today, since=plan.start_date if plan else None
    )
    return render(
        request,
        "checkins/athlete_history.html",
        {
            "patient": patient,
            "plan": plan,
            "progress": protocol_selectors.stage_progress(plan) if plan else [],
            "week": selectors.week_against_plan(plan, checkins, today=today) if plan else [],
            "rows": selectors.log_rows(checkins, limits),
            "chart": selectors.chart_data(
                checkins, first=shown_from, last=today, clinical=True, limits=limits
            ),
        },
    )
