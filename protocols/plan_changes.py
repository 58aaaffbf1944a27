"""A change to the plan told to the athlete: what changed, in their words, and the physio's note.

The rationale of a decision is clinical reasoning for the care team; the athlete reads only
the sentence below for its kind and the note the physio wrote for them (`shared_note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DecisionKind, Plan, StageDecision

# How long today's page keeps telling of the last change.
SHOWN_FOR_DAYS = 14


def what_changed(decision: StageDecision) -> str:
    """One sentence an athlete understands, naming the stage they are now in."""
    stage = decision.to_stage.name if decision.to_stage else ""
    said = {
        DecisionKind.START: _("Your plan has started: %(stage)s."),
        DecisionKind.ADVANCE: _("You have moved on to the next stage: %(stage)s."),
        DecisionKind.HOLD: _(
            "Your physio has held your plan: stay at your current level in %(stage)s for now."
        ),
        DecisionKind.REGRESS: _("Your plan has stepped back to an earlier stage: %(stage)s."),
        DecisionKind.PAUSE: _(
            "Your plan is paused. No running until your physio resumes it; keep to their advice."
        ),
        DecisionKind.RESUME: _("Your plan has resumed: %(stage)s."),
        DecisionKind.GRADUATE: _("You have completed your plan: back to your sport."),
        DecisionKind.STOP: _(
            "Your physio has stopped this plan. They will talk you through what next."
        ),
    }[DecisionKind(decision.kind)]
    return said % {"stage": stage} if "%(stage)s" in said else said


def short_title(decision: StageDecision) -> str:
    """The title of the in-app notice."""
    titles = {
        DecisionKind.START: _("Your plan has started"),
        DecisionKind.ADVANCE: _("You moved on to the next stage"),
        DecisionKind.HOLD: _("Your plan is on hold at this stage"),
        DecisionKind.REGRESS: _("Your plan stepped back a stage"),
        DecisionKind.PAUSE: _("Your plan is paused"),
        DecisionKind.RESUME: _("Your plan has resumed"),
        DecisionKind.GRADUATE: _("You completed your plan"),
        DecisionKind.STOP: _("Your plan was stopped"),
    }
    return str(titles[DecisionKind(decision.kind)])


@dataclass(frozen=True)
class PlanChange:
    on: date
    by: str
    what: str
    note: str


def latest_change(plan: Plan) -> PlanChange | None:
    """The plan's last change of the past two weeks, for today's page (None when there is none)."""
    decision = (
        plan.decisions.filter(decided_at__gte=timezone.now() - timedelta(days=SHOWN_FOR_DAYS))
        .select_related("to_stage", "decided_by")
        .first()
    )
    if decision is None:
        return None
    return PlanChange(
        on=timezone.localtime(decision.decided_at, plan.patient.clinic.zone).date(),
        by=decision.decided_by.get_full_name() or str(_("your physio")),
        what=what_changed(decision),
        note=decision.shared_note,
    )
