"""The athlete's "today" panel: today's session from the plan, and the next few days."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from rtr.panels import Panel

from . import plan_changes, selectors
from .models import Plan, PlanStatus

if TYPE_CHECKING:
    from django.http import HttpRequest


def today_panel(request: HttpRequest) -> Panel | None:
    membership = getattr(request, "membership", None)
    plan = (
        Plan.objects.visible_to(membership)
        .open()
        .exclude(status=PlanStatus.DRAFT)
        .select_related("current_stage", "current_step", "patient")
        .first()
    )
    if plan is None:
        return None
    today = timezone.localdate()
    return Panel(
        "protocols/_today_panel.html",
        {
            "plan": plan,
            "today": selectors.prescription_for(plan, today),
            "upcoming": [
                selectors.prescription_for(plan, today + timedelta(days=i)) for i in range(1, 4)
            ],
        },
    )


def plan_change_panel(request: HttpRequest) -> Panel | None:
    """What changed in the plan lately and why, in the words the physio chose for the athlete."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_athlete:
        return None
    plan = (
        Plan.objects.visible_to(membership)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("patient__clinic")
        .order_by("-created_at")
        .first()
    )
    change = plan_changes.latest_change(plan) if plan is not None else None
    if change is None:
        return None
    return Panel("protocols/_plan_change_panel.html", {"change": change})
