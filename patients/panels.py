"""The staff home's "Reviews and tasks": what is due or overdue for the physio's patients (the
whole clinic's for a lead), and what comes up within the week."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from rtr.panels import Panel

from . import coordination

if TYPE_CHECKING:
    from django.http import HttpRequest


def tasks_panel(request: HttpRequest) -> Panel | None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_clinical:
        return None
    today = timezone.localdate()
    mine = membership.role == "physio"
    due = coordination.tasks_due(membership, today=today, mine=mine)
    return Panel(
        "patients/_tasks_panel.html",
        {
            "overdue": [d for d in due if d.overdue],
            "due_today": [d for d in due if d.due_today],
            "coming": [d for d in due if not d.overdue and not d.due_today],
            "mine": mine,
            "ahead": coordination.COMING_UP_DAYS,
        },
    )
