"""The caseload dashboard panel of the staff home page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from rtr.panels import Panel

from . import review

if TYPE_CHECKING:
    from django.http import HttpRequest


def dashboard_panel(request: HttpRequest) -> Panel | None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_staff_role:
        return None
    if not membership.is_clinical:
        return Panel("checkins/_dashboard_coach.html", {})
    mine = request.GET.get("view") == "mine" or (
        membership.role == "physio" and request.GET.get("view") != "clinic"
    )
    data = review.dashboard(membership, today=timezone.localdate(), mine=mine)
    chart = {
        "labels": [row["stage"] for row in data.stage_counts],
        "counts": [row["n"] for row in data.stage_counts],
    }
    return Panel("checkins/_dashboard.html", {"d": data, "stage_chart": chart, "mine": mine})
