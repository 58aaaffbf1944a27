"""The review dates and tasks a decision leaves for the care team (patients/coordination.py).

Any decision on the plan is a review: the open review is marked done. A hold or a pause sets
the next review date (the physio's, or a week from today); a stage followed by one that needs a
specialist's sign-off leaves a task to obtain it by the earliest day the athlete could move on.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from patients import coordination
from patients.models import TaskKind
from protocols.models import DecisionKind, Plan, PlanStatus, StageDecision
from protocols.selectors import signed_off

if TYPE_CHECKING:
    from rtr.accounts.models import User

REVIEW_AFTER = frozenset({DecisionKind.HOLD, DecisionKind.PAUSE})


def after_decision(decision: StageDecision, *, review_on: date | None, today: date) -> None:
    plan = decision.plan
    by = decision.decided_by
    coordination.tasks_close(patient=plan.patient, kind=TaskKind.REVIEW, by=by)
    if decision.kind in REVIEW_AFTER:
        coordination.task_add(
            patient=plan.patient,
            kind=TaskKind.REVIEW,
            by=by,
            due_on=review_on,
            today=today,
            note=str(DecisionKind(decision.kind).label),
        )
    if plan.status == PlanStatus.ACTIVE:
        signoff_ahead(plan, by=by, today=today)


def signoff_ahead(plan: Plan, *, by: User, today: date) -> None:
    """A task to obtain the next stage's specialist sign-off, due when the current stage's
    shortest duration ends (at the earliest today)."""
    position = plan.stage_position()
    upcoming, current = position.next, position.current
    if upcoming is None or current is None or not upcoming.requires_specialist_signoff:
        return
    if signed_off(plan, upcoming):
        return
    started = plan.stage_started_on or today
    due = max(today, started + timedelta(weeks=current.duration_min_weeks or 2))
    coordination.task_add(
        patient=plan.patient,
        kind=TaskKind.SIGNOFF,
        by=by,
        due_on=due,
        today=today,
        note=_("Before %(stage)s") % {"stage": upcoming.name},
    )
