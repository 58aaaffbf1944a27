"""The written plan: printed by staff (a coach's copy without how sessions felt) and the
athlete's own, "me" from the session."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from protocols import audience, selectors
from protocols.models import Plan, PlanStatus, ProtocolTemplate
from rtr.accounts.tenancy import athlete_required, staff_required

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
