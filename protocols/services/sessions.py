"""A session day as the check-in reported it: recorded once, and the plan's step replayed."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from protocols import prescription as engine
from protocols.models import Plan, PlanStatus, SessionLog, SessionOutcome
from protocols.selectors import prescription_for, stage_day_kind


@transaction.atomic
def plan_record_session(*, plan: Plan, day: date, outcome: str | None) -> Plan:
    """Record what happened on a day (from the check-in) and move the step; never the stage.

    What the day prescribed decides whether it counts (`prescription.step_outcome`): only a
    session day can complete, hold or step back a step. `outcome` None (a rest day reported,
    or an edit that took the session back) removes the day's entry. Idempotent: the day's
    outcome is stored once (a later edit replaces it) and the step state is replayed from the
    stage's recorded days.
    """
    if outcome is not None and outcome not in SessionOutcome.values:
        raise ValidationError({"outcome": _("Unknown session outcome.")})
    plan = (
        Plan.objects.select_for_update(of=("self",)).select_related("current_stage").get(pk=plan.pk)
    )
    if (
        plan.status != PlanStatus.ACTIVE
        or plan.current_stage is None
        or plan.stage_started_on is None
    ):
        return plan
    if day < plan.stage_started_on:
        return plan  # an outcome from before this stage does not move its steps
    credited = engine.step_outcome(prescription_for(plan, day).kind, outcome)
    if credited is None:
        deleted, _rows = SessionLog.objects.filter(plan=plan, day=day).delete()
        if not deleted:
            return plan
    else:
        SessionLog.objects.update_or_create(
            plan=plan, day=day, defaults={"outcome": credited, "step": plan.current_step}
        )
    _replay(plan)
    plan.save(update_fields=["current_step", "step_completions", "step_failures", "updated_at"])
    return plan


def _replay(plan: Plan) -> None:
    stage, started = plan.current_stage, plan.stage_started_on
    assert stage is not None and started is not None
    steps = list(stage.steps.order_by("order"))
    since = max(started, plan.steps_counted_from or started)
    logged = (
        plan.session_logs.filter(day__gte=since, step__stage=stage)
        .order_by("day")
        .values_list("day", "outcome")
    )
    state = engine.replay_days(
        logged,
        kind_of=lambda day: stage_day_kind(stage, started, day),
        start_index=plan.stage_start_step,
        completions_needed=[s.completions_to_advance for s in steps],
    )
    plan.current_step = steps[state.index]
    plan.step_completions = state.completions
    plan.step_failures = state.failures
