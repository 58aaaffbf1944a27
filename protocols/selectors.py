"""Reads of templates and plans: what the pages and the writes ask, never a change.

The prescription for a day (what the athlete does, from the plan's stage and step), a week of
them, a patient's open plan; what stands in the way of publishing a template; the checklist a
forward decision is judged against, and the sign-offs a plan has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from patients.models import Patient

from . import hooks
from . import prescription as engine
from .library import return_to_sport_criteria
from .models import (
    DecisionKind,
    EntryCriterion,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SessionOutcome,
    SessionStep,
    SpecialistSignOff,
    Stage,
)

# --- Templates --------------------------------------------------------------------------------


def publish_problems(template: ProtocolTemplate) -> list[str]:
    """What keeps a draft from being published: shown on its page, refused on publishing."""
    problems: list[str] = []
    stages = list(template.stages.prefetch_related("steps", "criteria"))
    if not stages:
        problems.append(_("A template needs at least one stage."))
    for stage in stages:
        if not stage.steps.all():
            problems.append(_("Stage “%(stage)s” has no session steps.") % {"stage": stage.name})
        for criterion in stage.criteria.all():
            if criterion.kind == "numeric" and (
                criterion.threshold is None or not criterion.comparator
            ):
                problems.append(
                    _("Criterion “%(text)s” needs a comparison and threshold.")
                    % {"text": criterion.text}
                )
    return problems


# --- Stage decisions --------------------------------------------------------------------------


def decision_criteria(plan: Plan, kind: str) -> list[EntryCriterion]:
    """The checklist a forward decision is judged against: the next stage's entry criteria for
    an advance, the return-to-sport criteria for a graduation (library.RETURN_TO_SPORT)."""
    if kind == DecisionKind.GRADUATE:
        return return_to_sport_criteria()
    if kind != DecisionKind.ADVANCE:
        return []
    plan = Plan.objects.select_related("current_stage", "content").get(pk=plan.pk)
    following = plan.next_stage()
    return list(following.criteria.all()) if following is not None else []


def unmet_criteria(criteria: list[EntryCriterion], checked: list[dict[str, Any]]) -> list[str]:
    """The criteria not shown to be met by the checklist kept on the decision (matched by text:
    a criterion missing from the checklist was not checked, so it is unmet)."""
    met = {str(row.get("text")) for row in checked if row.get("met")}
    return [criterion.text for criterion in criteria if criterion.text not in met]


def signed_off(plan: Plan, stage: Stage | None) -> bool:
    """Whether a specialist's sign-off is recorded for the plan (stage None) or for a stage."""
    return SpecialistSignOff.objects.filter(plan=plan, stage=stage).exists()


# --- Prescription -----------------------------------------------------------------------------


def stage_day_kind(stage: Stage, stage_start: date, day: date) -> str:
    """The stage pattern's kind of day (session / strength / cross-training / rest)."""
    return engine.day_kind(
        day,
        stage_start=stage_start,
        sessions_per_week=stage.session_days_per_week,
        no_back_to_back=stage.no_back_to_back,
        rest_days=stage.rest_days_per_week,
        has_strength=bool(stage.strength),
        has_cross_training=bool(stage.cross_training),
    )


@dataclass
class Prescription:
    day: date
    kind: str  # session / strength / cross_training / rest / not_started / paused / finished / none
    title: str
    details: list[str] = field(default_factory=list)
    step: SessionStep | None = None
    stage: Stage | None = None
    note: str = ""

    @property
    def is_session(self) -> bool:
        return self.kind == engine.SESSION

    @property
    def is_run_day(self) -> bool:
        return self.is_session and self.step is not None and self.step.is_running


KIND_TITLES = {
    engine.SESSION: _("Session"),
    engine.STRENGTH: _("Strength and balance"),
    engine.CROSS_TRAINING: _("Cross-training"),
    engine.REST: _("Rest day"),
}


def prescription_for(plan: Plan | None, day: date) -> Prescription:
    """What the athlete should do on `day`, from the plan's current stage and step."""
    if plan is None:
        return Prescription(day, "none", _("No plan yet"))
    if plan.status == PlanStatus.DRAFT:
        return Prescription(day, "none", _("Your plan is being prepared"))
    if plan.status == PlanStatus.PAUSED:
        return Prescription(
            day,
            "paused",
            _("Plan paused"),
            [_("Your physio has paused the plan: no running until you hear from them.")],
        )
    if plan.status in {PlanStatus.COMPLETED, PlanStatus.STOPPED}:
        return Prescription(day, "finished", _("Plan finished"))
    stage, step = plan.current_stage, plan.current_step
    assert stage is not None and step is not None and plan.stage_started_on is not None
    if day < plan.stage_started_on:
        if day >= plan.start_date:
            # A new stage starting tomorrow after yesterday's run: today is a rest day.
            return Prescription(
                day,
                engine.REST,
                _("Rest day: the next stage starts %(day)s")
                % {"day": date_format(plan.stage_started_on, "j M")},
                stage=stage,
            )
        return Prescription(
            day,
            "not_started",
            _("Starts %(day)s") % {"day": date_format(plan.stage_started_on, "j M")},
            stage=stage,
        )
    kind = stage_day_kind(stage, plan.stage_started_on, day)
    result = Prescription(day, kind, str(KIND_TITLES[kind]), stage=stage)
    if kind == engine.SESSION:
        last = (
            plan.session_logs.filter(day__lt=day, day__gte=plan.stage_started_on)
            .order_by("-day")
            .first()
        )
        if (
            last is not None
            and last.outcome == SessionOutcome.NEXT_DAY_PAIN
            and engine.skipped_session_after(
                last.day, lambda d: stage_day_kind(stage, plan.stage_started_on or d, d)
            )
            == day
        ):
            result.kind = engine.REST
            result.title = str(_("Rest day (session skipped)"))
            result.note = str(
                _(
                    "Pain lasted to the next day after the last session: skip this one; the same step comes next time."
                )
            )
            return result
        result.step = step
        result.title = step.label or step.describe()
        # The step's dosing under its own label; never the title again as its own subtitle.
        result.details = [step.describe()] if step.describe() != result.title else []
        if step.target_rpe is not None:
            result.details.append(_("Effort: RPE %(rpe)s out of 10") % {"rpe": step.target_rpe})
        if step.surface_note:
            result.details.append(step.surface_note)
        if stage.cadence_cue and step.is_running:
            result.details.append(stage.cadence_cue)
        if plan.step_failures:
            limit = hooks.run_pain_limit(plan.patient.clinic_id)
            result.note = str(
                _("Last time hurt: repeat this step, and stop if pain goes above %(n)s/10.")
                % {"n": f"{limit:g}"}
            )
    elif kind == engine.STRENGTH:
        result.details = [stage.strength] + ([stage.balance] if stage.balance else [])
    elif kind == engine.CROSS_TRAINING:
        result.details = [stage.cross_training]
    return result


def week_of(plan: Plan, first_day: date) -> list[Prescription]:
    return [prescription_for(plan, first_day + timedelta(days=i)) for i in range(7)]


def open_plan_of(patient: Patient) -> Plan | None:
    return (
        Plan.objects.filter(patient=patient)
        .open()
        .select_related("current_stage", "current_step", "content", "source_template")
        .first()
    )


def expected_finish(plan: Plan, stages: list[Stage] | None = None) -> tuple[date, date] | None:
    """When the plan could end at the earliest and at the latest, by the stages' durations from
    the day the current stage began: the expected return window both the physio and the coach
    see. None before the plan has a current stage."""
    current = plan.current_stage
    if current is None or plan.stage_started_on is None:
        return None
    stages = stages if stages is not None else list(plan.content.stages.order_by("order"))
    ahead = [s for s in stages if s.order >= current.order]
    low = sum(s.duration_min_weeks or 0 for s in ahead)
    high = sum(s.duration_max_weeks or s.duration_min_weeks or 0 for s in ahead)
    start = plan.stage_started_on
    return start + timedelta(weeks=low), start + timedelta(weeks=max(low, high))


@dataclass(frozen=True)
class WeekTargets:
    """A week of the plan in numbers, for the written plan: what to aim for."""

    session_days: int
    run_days: int
    rest_days: int
    run_minutes: Decimal
    session_minutes: Decimal
    cross_training: str
    strength: str


def week_targets(week: list[Prescription]) -> WeekTargets | None:
    """The targets of a week of prescriptions (None when the plan prescribes nothing)."""
    sessions = [rx for rx in week if rx.is_session and rx.step is not None]
    if not any(rx.kind in {engine.SESSION, engine.REST, engine.STRENGTH} for rx in week):
        return None
    stage = next((rx.stage for rx in week if rx.stage is not None), None)
    return WeekTargets(
        session_days=len(sessions),
        run_days=sum(1 for rx in sessions if rx.is_run_day),
        rest_days=sum(1 for rx in week if rx.kind == engine.REST),
        run_minutes=sum((rx.step.run_total_minutes for rx in sessions if rx.step), Decimal(0)),
        session_minutes=sum((rx.step.total_minutes for rx in sessions if rx.step), Decimal(0)),
        cross_training=stage.cross_training if stage else "",
        strength=stage.strength if stage else "",
    )


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    state: str  # "done", "current" or "ahead"
    reached_on: date | None


def stage_progress(plan: Plan) -> list[StageProgress]:
    """The plan's stages in order, each done, current or ahead, with the day it was last
    entered (from the decisions: the start, an advance, a regression)."""
    stages = list(plan.content.stages.order_by("order"))
    current = plan.current_stage
    entered: dict[int, date] = {}
    for stage_id, decided_at in (
        plan.decisions.filter(to_stage__isnull=False)
        .order_by("decided_at")
        .values_list("to_stage_id", "decided_at")
    ):
        entered[stage_id] = decided_at.date()
    finished = plan.status == PlanStatus.COMPLETED
    result = []
    for stage in stages:
        if finished or (current is not None and stage.order < current.order):
            state = "done"
        elif current is not None and stage.pk == current.pk:
            state = "current"
        else:
            state = "ahead"
        result.append(StageProgress(stage, state, entered.get(stage.pk)))
    return result


class StagePhase:
    """The kinds of stage every protocol passes through, in order: what the dashboard groups
    patients by, whatever each template calls its stages."""

    PROTECTION = "protection"
    WALKING = "walking"
    WALK_RUN = "walk_run"
    CONTINUOUS = "continuous"
    RETURN_TO_SPORT = "return_to_sport"
    ORDER = (PROTECTION, WALKING, WALK_RUN, CONTINUOUS, RETURN_TO_SPORT)
    LABELS = {
        PROTECTION: _("Protection"),
        WALKING: _("Walking"),
        WALK_RUN: _("Walk-run"),
        CONTINUOUS: _("Continuous running"),
        RETURN_TO_SPORT: _("Return to sport"),
    }


def stage_phase(stage: Stage, *, is_last: bool, steps: list[SessionStep] | None = None) -> str:
    """A stage's kind from what it prescribes: no running (the first stage protection, later
    ones walking), walk-run intervals, continuous running; the last running stage is the
    return to sport."""
    steps = steps if steps is not None else list(stage.steps.all())
    running = [s for s in steps if s.is_running]
    if not running:
        return StagePhase.PROTECTION if stage.order == 1 else StagePhase.WALKING
    if any(s.walk_minutes > 0 for s in running):
        return StagePhase.WALK_RUN
    return StagePhase.RETURN_TO_SPORT if is_last else StagePhase.CONTINUOUS
