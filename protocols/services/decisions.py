"""Stage decisions, the one place a plan changes stage or status, and specialists' sign-offs.

Flag actions call `plan_decide` too, so a decision from a flag lands on the plan as from the
plan page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import coordination
from patients.models import TaskKind
from protocols import prescription as engine
from protocols.models import (
    DecisionKind,
    Plan,
    PlanStatus,
    SessionLog,
    SessionOutcome,
    SpecialistSignOff,
    Stage,
    StageDecision,
)
from protocols.selectors import (
    decision_criteria,
    prescription_for,
    signed_off,
    stage_day_kind,
    unmet_criteria,
)

from . import reviews

if TYPE_CHECKING:
    from rtr.accounts.models import User


ALLOWED_DECISIONS = {
    PlanStatus.ACTIVE: {
        DecisionKind.ADVANCE,
        DecisionKind.HOLD,
        DecisionKind.REGRESS,
        DecisionKind.PAUSE,
        DecisionKind.GRADUATE,
        DecisionKind.STOP,
    },
    PlanStatus.PAUSED: {
        DecisionKind.RESUME,
        DecisionKind.STOP,
        DecisionKind.REGRESS,
        DecisionKind.HOLD,
    },
}
FORWARD_DECISIONS = frozenset({DecisionKind.ADVANCE, DecisionKind.GRADUATE})


@transaction.atomic
def record_specialist_signoff(
    *,
    plan: Plan,
    by: User,
    specialist: str,
    signed_on: date,
    stage: Stage | None = None,
    note: str = "",
) -> SpecialistSignOff:
    """Who signed off and when, for the plan as a whole (stage None) or for entering a stage."""
    plan = Plan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.status in {PlanStatus.COMPLETED, PlanStatus.STOPPED}:
        raise ValidationError(_("This plan has finished."))
    if stage is not None and stage.template_id != plan.content_id:
        raise ValidationError({"stage": _("This stage belongs to another plan.")})
    if not specialist.strip():
        raise ValidationError({"specialist": _("Name the specialist who signed off.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("A sign-off cannot be in the future.")})
    if signed_off(plan, stage):
        raise ValidationError(_("This sign-off is already recorded."))
    signoff = SpecialistSignOff(
        plan=plan,
        stage=stage,
        specialist=specialist.strip(),
        signed_on=signed_on,
        note=note.strip(),
        recorded_by=by,
    )
    signoff.full_clean(exclude=["plan", "stage", "recorded_by"])
    signoff.save()
    coordination.tasks_close(patient=plan.patient, kind=TaskKind.SIGNOFF, by=by)
    return signoff


@transaction.atomic
def plan_decide(
    *,
    plan: Plan,
    kind: str,
    by: User,
    rationale: str,
    criteria_met: list[dict[str, Any]] | None = None,
    override_reason: str = "",
    on: date | None = None,
    shared_note: str = "",
    review_on: date | None = None,
) -> StageDecision:
    """The one place a plan changes stage or status; flag actions call it too.

    A forward decision (advance, graduate) with any criterion of its checklist unmet needs an
    explicit override reason, kept on the decision; a stage that needs a specialist's sign-off
    is never entered without one. `rationale` is clinical reasoning for physios and leads;
    `shared_note` (optional) is the only text of the decision the athlete and their coach read.
    A hold or a pause sets the next review on `review_on` (default: a week from today).
    """
    plan = (
        Plan.objects.select_for_update(of=("self",)).select_related("current_stage").get(pk=plan.pk)
    )
    if kind not in DecisionKind.values or kind == DecisionKind.START:
        raise ValidationError({"kind": _("Unknown decision.")})
    if not rationale.strip():
        raise ValidationError({"rationale": _("Give the rationale for the decision.")})
    allowed = ALLOWED_DECISIONS.get(PlanStatus(plan.status), set())
    if kind not in allowed:
        raise ValidationError(
            {
                "kind": _("“%(kind)s” is not possible while the plan is %(status)s.")
                % {"kind": DecisionKind(kind).label, "status": plan.get_status_display().lower()}
            }
        )
    stages = list(plan.content.stages.prefetch_related("steps").order_by("order"))
    current = plan.current_stage
    assert current is not None
    position = plan.stage_position(stages)
    assert position.current is not None
    today = on or timezone.localdate()
    if review_on is not None and review_on < today:
        raise ValidationError({"review_on": _("Choose today or a later date.")})
    checked = list(criteria_met or [])
    override = ""
    if kind in FORWARD_DECISIONS:
        if kind == DecisionKind.ADVANCE and position.next is None:
            raise ValidationError({"kind": _("This is the last stage: graduate instead.")})
        if kind == DecisionKind.GRADUATE and position.next is not None:
            raise ValidationError(
                {"kind": _("Graduation comes after the last stage; advance first.")}
            )
        unmet = unmet_criteria(decision_criteria(plan, kind), checked)
        if unmet and not override_reason.strip():
            raise ValidationError(
                {
                    "override_reason": _(
                        "Not met: %(unmet)s. Give your reason to go ahead anyway, or hold."
                    )
                    % {"unmet": "; ".join(unmet)}
                }
            )
        override = override_reason.strip() if unmet else ""
    to_stage = current
    if kind == DecisionKind.ADVANCE:
        assert position.next is not None  # an advance from the last stage was refused above
        to_stage = position.next
        if to_stage.requires_specialist_signoff and not signed_off(plan, to_stage):
            raise ValidationError(
                {
                    "kind": _(
                        "“%(stage)s” needs a specialist's sign-off first: record who signed off "
                        "and when."
                    )
                    % {"stage": to_stage.name}
                }
            )
        _enter_stage(plan, to_stage, step_index=0, today=today)
    elif kind == DecisionKind.REGRESS:
        if position.previous is None:
            raise ValidationError(
                {"kind": _("This is the first stage: there is no earlier stage.")}
            )
        to_stage = position.previous
        # Back to the most advanced step of the earlier stage: the level last tolerated there.
        _enter_stage(plan, to_stage, step_index=len(to_stage.steps.all()) - 1, today=today)
    elif kind == DecisionKind.HOLD:
        # Repeat the current step: sessions before the hold no longer count towards it.
        plan.stage_start_step = _step_index(plan)
        plan.step_completions = plan.step_failures = 0
        plan.steps_counted_from = today + timedelta(days=1)
    elif kind == DecisionKind.PAUSE:
        plan.status = PlanStatus.PAUSED
    elif kind == DecisionKind.RESUME:
        plan.status = PlanStatus.ACTIVE
        _enter_stage(plan, current, step_index=_step_index(plan), today=today)
    elif kind == DecisionKind.GRADUATE:
        plan.status = PlanStatus.COMPLETED
    elif kind == DecisionKind.STOP:
        plan.status = PlanStatus.STOPPED
    plan.save()
    decision = StageDecision.objects.create(
        plan=plan,
        kind=kind,
        from_stage=current,
        to_stage=to_stage,
        decided_by=by,
        rationale=rationale.strip(),
        criteria_met=checked if kind in FORWARD_DECISIONS else [],
        override_reason=override,
        shared_note=shared_note.strip(),
    )
    reviews.after_decision(decision, review_on=review_on, today=today)
    return decision


def _step_index(plan: Plan) -> int:
    steps = list(plan.current_stage.steps.all()) if plan.current_stage else []
    return next((i for i, s in enumerate(steps) if s.pk == plan.current_step_id), 0)


def _ran_on(plan: Plan, day: date) -> bool:
    """Whether `day` was a running day of the plan: prescribed a run, or a run logged."""
    if plan.current_stage is None or plan.stage_started_on is None:
        return False
    if day >= plan.stage_started_on and prescription_for(plan, day).is_run_day:
        return True
    log = SessionLog.objects.filter(plan=plan, day=day).select_related("step").first()
    return bool(
        log is not None
        and log.outcome != SessionOutcome.SKIPPED
        and log.step is not None
        and log.step.is_running
    )


def _enter_stage(plan: Plan, stage: Stage, *, step_index: int, today: date) -> None:
    """Start `stage` at a step. Its pattern starts today, or tomorrow when yesterday was a
    running day and the stage would open with a run: never two running days back to back
    [F:28][F:29]."""
    steps = list(stage.steps.order_by("order"))
    start_step = max(0, min(step_index, len(steps) - 1))
    start = max(today, plan.start_date)
    if (
        stage.no_back_to_back
        and steps[start_step].is_running
        and stage_day_kind(stage, start, start) == engine.SESSION
        and _ran_on(plan, start - timedelta(days=1))
    ):
        start += timedelta(days=1)
    plan.current_stage = stage
    plan.stage_start_step = start_step
    plan.current_step = steps[start_step]
    plan.stage_started_on = start
    plan.step_completions = plan.step_failures = 0
    plan.steps_counted_from = None
