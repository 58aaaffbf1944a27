"""The written plan: printed by staff (a coach's copy without how sessions felt) and the
athlete's own, "me" from the session."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patients.models import SupportContact
from protocols import audience, selectors
from protocols.models import Plan, PlanStatus, ProtocolTemplate
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
    staff_required,
)

from .editor import content_prefetch
from .plans import plan_or_404

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


def _written_plan_context(plan: Plan, *, for_coach: bool = False) -> dict[str, Any]:
    """The written plan; a coach's copy leaves out the notes on how sessions felt."""
    content = ProtocolTemplate.objects.prefetch_related(*content_prefetch()).get(pk=plan.content_id)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    this_week = selectors.week_of(plan, monday)
    next_week = selectors.week_of(plan, monday + timedelta(days=7))
    if for_coach:
        this_week, next_week = (
            audience.week_for_coach(this_week),
            audience.week_for_coach(next_week),
        )
    return {
        "plan": plan,
        "patient": plan.patient,
        "physio": plan.patient.assigned_physio,
        "this_week_targets": selectors.week_targets(this_week),
        "next_week_targets": selectors.week_targets(next_week),
        "stages": list(content.stages.all()),
        "this_week": this_week,
        "next_week": next_week,
        # Only the words written for the athlete and coach, never the rationale.
        "shared_notes": plan.decisions.exclude(shared_note="").select_related("decided_by")[:10],
        "care_team": [
            plan.patient.assigned_physio,
            *[m.user for m in plan.patient.care_team.select_related("user")],
        ],
        "clinic": plan.patient.clinic,
    }


@require_GET
@staff_required
def plan_print(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id)
    membership = request.membership
    for_coach = membership is None or not membership.is_clinical
    return render(
        request, "protocols/plan_print.html", _written_plan_context(plan, for_coach=for_coach)
    )


@require_GET
@athlete_required
def my_plan(request: AuthedRequest) -> HttpResponse:
    """The athlete's own written plan: "me" comes from the session, never from the URL."""
    plan = (
        Plan.objects.visible_to(request.membership)
        .exclude(status=PlanStatus.DRAFT)
        .select_related(
            "patient",
            "patient__clinic",
            "patient__assigned_physio",
            "current_stage",
            "current_step",
            "content",
        )
        .order_by("-created_at")
        .first()
    )
    if plan is None:
        return render(request, "protocols/no_plan.html", status=200)
    return render(
        request, "protocols/plan_print.html", _written_plan_context(plan) | {"athlete_view": True}
    )


@require_POST
@clinical_staff_required
def send_plan(request: AuthedRequest, contact_id: UUID) -> HttpResponse:
    """E-mail the written plan (the athlete's copy, as text) to a support contact the athlete
    agreed may receive it."""
    contact = get_visible_or_404(
        SupportContact.objects.select_related("patient__clinic", "patient__assigned_physio"),
        request,
        contact_id,
        write=True,
    )
    back = reverse("patients:detail", args=[contact.patient.public_id]) + "#section-support"
    plan = (
        Plan.objects.filter(patient=contact.patient)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("current_stage", "current_step", "content", "patient__clinic")
        .order_by("-created_at")
        .first()
    )
    if plan is None or not contact.gets_written_plan or contact.patient.erased_at is not None:
        messages.error(request, _("There is no written plan this person may receive."))
        return redirect(back)
    context = _written_plan_context(plan) | {"contact": contact, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("emails/written_plan_subject.txt", context).strip(),
        message=render_to_string("emails/written_plan_body.txt", context),
        from_email=None,
        recipient_list=[contact.email],
    )
    messages.success(request, _("Written plan sent to %(name)s.") % {"name": contact.name})
    return redirect(back)
