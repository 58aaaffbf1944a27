"""Writes for templates and plans, and the prescription for a day.

Templates: create, edit (drafts only), publish (frozen), retire, new version, clone.
Plans: assign (a copy of the template version), adjust while draft, confirm, decide
(advance / hold / regress / pause / resume / graduate / stop), record a session outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from patients.models import Patient, PatientStatus

from . import hooks
from . import prescription as engine
from .eligibility import misfit_reasons
from .models import (
    DecisionKind,
    EntryCriterion,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SessionLog,
    SessionOutcome,
    SessionStep,
    SpecialistSignOff,
    Stage,
    StageDecision,
    StepKind,
    TemplateStatus,
)

if TYPE_CHECKING:
    from rtr.accounts.models import Clinic, User

TEMPLATE_FIELDS = (
    "name",
    "summary",
    "eligible_sites",
    "excluded_sites",
    "eligible_risk",
    "max_fredericson_grade",
    "max_kaeding_miller_grade",
    "exclude_displaced",
    "max_fracture_extent_pct",
    "requires_specialist_signoff",
    "duration_min_weeks",
    "duration_max_weeks",
    "evidence",
)
STAGE_FIELDS = (
    "name",
    "goals",
    "duration_min_weeks",
    "duration_max_weeks",
    "session_days_per_week",
    "no_back_to_back",
    "rest_days_per_week",
    "cross_training",
    "strength",
    "balance",
    "max_weekly_run_minutes",
    "max_single_run_minutes",
    "cadence_cue",
    "requires_specialist_signoff",
    "hold_triggers",
    "regress_triggers",
    "stop_triggers",
    "source",
)
STEP_FIELDS = (
    "kind",
    "label",
    "walk_minutes",
    "run_minutes",
    "cross_training_minutes",
    "repetitions",
    "target_rpe",
    "surface_note",
    "completions_to_advance",
    "source",
)
CRITERION_FIELDS = ("text", "kind", "comparator", "threshold", "unit", "source", "measure")
# What an empty optional field of the step form means.
STEP_DEFAULTS: dict[str, Any] = {
    "label": "",
    "surface_note": "",
    "source": "",
    "target_rpe": None,
    "walk_minutes": Decimal(0),
    "run_minutes": Decimal(0),
    "cross_training_minutes": 0,
}


class NotEditable(ValidationError):
    """The template is published, retired, shared or an active plan's copy."""


def _require_editable(template: ProtocolTemplate) -> None:
    if template.is_plan_copy:
        plan = Plan.objects.filter(content=template).only("status").first()
        if plan is None or plan.status != PlanStatus.DRAFT:
            raise NotEditable(_("This plan is confirmed: record changes as stage decisions."))
        return
    if template.is_shared:
        raise NotEditable(_("The shared library is read-only: clone the template to adapt it."))
    if template.status != TemplateStatus.DRAFT:
        raise NotEditable(
            _("A published or retired version is frozen: create a new version to edit it.")
        )


def _check_stage_week(stage: Stage) -> None:
    if stage.no_back_to_back and stage.session_days_per_week > 4:
        raise ValidationError(
            {
                "session_days_per_week": _(
                    "With no back-to-back days there are at most 4 session days a week."
                )
            }
        )
    if stage.session_days_per_week + stage.rest_days_per_week > 7:
        raise ValidationError(
            {"rest_days_per_week": _("Session days and rest days add up to more than 7.")}
        )


# --- Templates --------------------------------------------------------------------------------


@transaction.atomic
def template_create(*, clinic: Clinic, by: User, **data: Any) -> ProtocolTemplate:
    template = ProtocolTemplate(
        clinic=clinic, created_by=by, status=TemplateStatus.DRAFT, version=1
    )
    for key in TEMPLATE_FIELDS:
        if key in data:
            setattr(template, key, data[key])
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_update(*, template: ProtocolTemplate, **data: Any) -> ProtocolTemplate:
    _require_editable(template)
    for key in TEMPLATE_FIELDS:
        if key in data:
            setattr(template, key, data[key])
    template.full_clean()
    template.save()
    return template


def publish_problems(template: ProtocolTemplate) -> list[str]:
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


@transaction.atomic
def template_publish(*, template: ProtocolTemplate, by: User) -> ProtocolTemplate:
    template = ProtocolTemplate.objects.select_for_update().get(pk=template.pk)
    _require_editable(template)
    if template.is_plan_copy:
        raise NotEditable(_("A plan is confirmed, not published."))
    problems = publish_problems(template)
    if problems:
        raise ValidationError(problems)
    # Older published versions of the family are retired: one published version at a time.
    ProtocolTemplate.objects.filter(
        family=template.family, status=TemplateStatus.PUBLISHED
    ).exclude(pk=template.pk).update(status=TemplateStatus.RETIRED)
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.save(update_fields=["status", "published_at"])
    return template


@transaction.atomic
def template_retire(*, template: ProtocolTemplate) -> ProtocolTemplate:
    if template.is_shared:
        raise NotEditable(_("The shared library is read-only."))
    if template.status != TemplateStatus.PUBLISHED:
        raise ValidationError(_("Only a published version can be retired."))
    template.status = TemplateStatus.RETIRED
    template.save(update_fields=["status"])
    return template


def _copy_into(source: ProtocolTemplate, target: ProtocolTemplate) -> None:
    """Copy stages, criteria and steps of `source` into the empty `target`."""
    stages = list(source.stages.prefetch_related("steps", "criteria").order_by("order"))
    for stage in stages:
        new_stage = Stage.objects.create(
            template=target, **{f: getattr(stage, f) for f in ("order", *STAGE_FIELDS)}
        )
        EntryCriterion.objects.bulk_create(
            EntryCriterion(
                stage=new_stage, order=c.order, **{f: getattr(c, f) for f in CRITERION_FIELDS}
            )
            for c in stage.criteria.all()
        )
        SessionStep.objects.bulk_create(
            SessionStep(stage=new_stage, order=s.order, **{f: getattr(s, f) for f in STEP_FIELDS})
            for s in stage.steps.all()
        )


def _header_copy(source: ProtocolTemplate, **overrides: Any) -> ProtocolTemplate:
    template = ProtocolTemplate(**{f: getattr(source, f) for f in TEMPLATE_FIELDS}, based_on=source)
    for key, value in overrides.items():
        setattr(template, key, value)
    return template


@transaction.atomic
def template_new_version(*, template: ProtocolTemplate, by: User) -> ProtocolTemplate:
    """Editing a frozen version: a new draft of the same family; the old version stays untouched."""
    if template.is_shared:
        raise NotEditable(_("The shared library is read-only: clone the template to adapt it."))
    if template.is_plan_copy:
        raise NotEditable(_("A plan's copy has no versions."))
    existing = ProtocolTemplate.objects.filter(
        family=template.family, status=TemplateStatus.DRAFT, is_plan_copy=False
    ).first()
    if existing is not None:
        return existing
    latest = (
        ProtocolTemplate.objects.filter(family=template.family).aggregate(v=Max("version"))["v"]
        or 0
    )
    draft = _header_copy(
        template,
        clinic=template.clinic,
        family=template.family,
        code=template.code,
        version=latest + 1,
        status=TemplateStatus.DRAFT,
        created_by=by,
    )
    draft.save()
    _copy_into(template, draft)
    return draft


@transaction.atomic
def template_clone(*, template: ProtocolTemplate, clinic: Clinic, by: User) -> ProtocolTemplate:
    """A new template family for the clinic, starting from any visible template."""
    clone = _header_copy(
        template, clinic=clinic, version=1, status=TemplateStatus.DRAFT, created_by=by
    )
    clone.name = (_("Copy of %(name)s") % {"name": template.name})[:120]
    clone.save()
    _copy_into(template, clone)
    return clone


def _next_order(queryset: Any) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


@transaction.atomic
def stage_add(*, template: ProtocolTemplate, **data: Any) -> Stage:
    _require_editable(template)
    stage = Stage(
        template=template,
        order=_next_order(template.stages.all()),
        **{k: data[k] for k in STAGE_FIELDS if k in data},
    )
    _check_stage_week(stage)
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, **data: Any) -> Stage:
    _require_editable(stage.template)
    for key in STAGE_FIELDS:
        if key in data:
            setattr(stage, key, data[key])
    _check_stage_week(stage)
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_delete(*, stage: Stage) -> None:
    _require_editable(stage.template)
    if stage.template.is_plan_copy and stage.template.stages.count() <= 1:
        raise ValidationError(_("A plan keeps at least one stage."))
    template = stage.template
    stage.delete()
    _renumber(template.stages.order_by("order"))


def _renumber(queryset: Any) -> None:
    for index, obj in enumerate(list(queryset), start=1):
        if obj.order != index:
            type(obj).objects.filter(pk=obj.pk).update(order=index)


def _swap(obj: Any, siblings: Any, direction: str) -> None:
    ordered = list(siblings.order_by("order"))
    index = next(i for i, o in enumerate(ordered) if o.pk == obj.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in {"up", "down"}:
        raise ValidationError(_("Move up or down."))
    if not 0 <= other_index < len(ordered):
        return
    other = ordered[other_index]
    model = type(obj)
    a, b = obj.order, other.order
    model.objects.filter(pk=obj.pk).update(order=0)  # free the slot (orders start at 1)
    model.objects.filter(pk=other.pk).update(order=a)
    model.objects.filter(pk=obj.pk).update(order=b)


@transaction.atomic
def stage_move(*, stage: Stage, direction: str) -> None:
    _require_editable(stage.template)
    _swap(stage, stage.template.stages.select_for_update(), direction)


def _check_step(step: SessionStep) -> None:
    if step.kind == StepKind.WALK_RUN and not (step.walk_minutes > 0 or step.run_minutes > 0):
        raise ValidationError(
            {"walk_minutes": _("A walking or running step needs a walk time, a run time or both.")}
        )
    if step.kind == StepKind.CROSS_TRAINING and not step.cross_training_minutes:
        raise ValidationError(
            {"cross_training_minutes": _("A cross-training step needs its minutes.")}
        )
    if step.kind == StepKind.CROSS_TRAINING:
        step.walk_minutes = step.run_minutes = Decimal(0)
        step.repetitions = 1


@transaction.atomic
def step_add(*, stage: Stage, **data: Any) -> SessionStep:
    _require_editable(stage.template)
    step = SessionStep(
        stage=stage,
        order=_next_order(stage.steps.all()),
        **{k: data[k] for k in STEP_FIELDS if k in data and data[k] is not None},
    )
    _check_step(step)
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def step_update(*, step: SessionStep, **data: Any) -> SessionStep:
    _require_editable(step.stage.template)
    for key in STEP_FIELDS:
        if key in data:
            value = data[key]
            if value is None:
                value = STEP_DEFAULTS.get(key)
            setattr(step, key, value)
    _check_step(step)
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def step_delete(*, step: SessionStep) -> None:
    _require_editable(step.stage.template)
    stage = step.stage
    if Plan.objects.filter(content=stage.template).exists() and stage.steps.count() <= 1:
        raise ValidationError(_("A plan's stage keeps at least one step."))
    step.delete()
    _renumber(stage.steps.order_by("order"))


@transaction.atomic
def step_move(*, step: SessionStep, direction: str) -> None:
    _require_editable(step.stage.template)
    _swap(step, step.stage.steps.select_for_update(), direction)


@transaction.atomic
def criterion_add(*, stage: Stage, **data: Any) -> EntryCriterion:
    _require_editable(stage.template)
    criterion = EntryCriterion(
        stage=stage,
        order=_next_order(stage.criteria.all()),
        **{k: data[k] for k in CRITERION_FIELDS if k in data and data[k] is not None},
    )
    if criterion.kind == "numeric" and (criterion.threshold is None or not criterion.comparator):
        raise ValidationError(
            {"threshold": _("A numeric criterion needs a comparison and a threshold.")}
        )
    if criterion.kind == "yes_no":
        criterion.threshold, criterion.comparator, criterion.unit = None, "", ""
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: EntryCriterion) -> None:
    _require_editable(criterion.stage.template)
    stage = criterion.stage
    criterion.delete()
    _renumber(stage.criteria.order_by("order"))


# --- Plans ------------------------------------------------------------------------------------


@transaction.atomic
def plan_assign(
    *,
    patient: Patient,
    template: ProtocolTemplate,
    start_date: date,
    by: User,
    override_reason: str = "",
) -> Plan:
    """A draft plan: a private copy of the template version, to adjust before confirming."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.status == PatientStatus.DISCHARGED:
        raise ValidationError(_("A discharged patient cannot start a plan."))
    if template.status != TemplateStatus.PUBLISHED or template.is_plan_copy:
        raise ValidationError({"template": _("Only a published template can be assigned.")})
    if template.clinic_id not in (None, patient.clinic_id):
        raise ValidationError({"template": _("This template belongs to another clinic.")})
    if start_date < timezone.localdate() - timedelta(days=14):
        raise ValidationError(
            {"start_date": _("The start date is more than two weeks in the past.")}
        )
    if start_date > timezone.localdate() + timedelta(days=90):
        raise ValidationError({"start_date": _("The start date is more than 90 days ahead.")})
    reasons = misfit_reasons(template, patient.current_injury)
    if reasons and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": _(
                    "This template does not fit: %(reasons)s Give your reason to assign it anyway."
                )
                % {"reasons": " ".join(reasons)}
            }
        )
    if Plan.objects.filter(patient=patient).open().exists():
        raise ValidationError(
            _("This patient already has an open plan: stop or complete it first.")
        )
    content = _header_copy(
        template,
        clinic=patient.clinic,
        version=template.version,
        status=TemplateStatus.DRAFT,
        is_plan_copy=True,
        created_by=by,
        code=template.code,
    )
    content.save()
    _copy_into(template, content)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                patient=patient,
                source_template=template,
                content=content,
                start_date=start_date,
                created_by=by,
                eligibility_override_reason=override_reason.strip() if reasons else "",
            )
    except IntegrityError as exc:
        raise ValidationError(_("This patient already has an open plan.")) from exc
    return plan


@transaction.atomic
def plan_discard(*, plan: Plan) -> None:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be discarded; stop an active plan instead."))
    content = plan.content
    plan.delete()
    content.delete()


@transaction.atomic
def plan_confirm(*, plan: Plan, by: User) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("This plan is already confirmed."))
    stages = list(plan.content.stages.prefetch_related("steps").order_by("order"))
    if not stages or any(not stage.steps.all() for stage in stages):
        raise ValidationError(_("Every stage needs at least one session step."))
    first = stages[0]
    if plan.content.requires_specialist_signoff and not _signed_off(plan, None):
        raise ValidationError(
            _(
                "This protocol needs a specialist's sign-off before the plan starts: record who "
                "signed off and when."
            )
        )
    if first.requires_specialist_signoff and not _signed_off(plan, first):
        raise ValidationError(
            _("The first stage needs a specialist's sign-off: record who signed off and when.")
        )
    plan.status = PlanStatus.ACTIVE
    plan.current_stage = first
    plan.current_step = first.steps.all()[0]
    plan.stage_started_on = plan.start_date
    plan.stage_start_step = 0
    plan.step_completions = plan.step_failures = 0
    plan.save()
    StageDecision.objects.create(
        plan=plan,
        kind=DecisionKind.START,
        to_stage=first,
        decided_by=by,
        rationale=_("Plan confirmed; starts %(day)s.") % {"day": plan.start_date.isoformat()},
    )
    return plan


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


def decision_criteria(plan: Plan, kind: str) -> list[EntryCriterion]:
    """The checklist a forward decision is judged against: the next stage's entry criteria for
    an advance, the return-to-sport criteria for a graduation (library.RETURN_TO_SPORT)."""
    from .library import return_to_sport_criteria

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


def _signed_off(plan: Plan, stage: Stage | None) -> bool:
    return SpecialistSignOff.objects.filter(plan=plan, stage=stage).exists()


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
    if _signed_off(plan, stage):
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
) -> StageDecision:
    """The one place a plan changes stage or status; flag actions call it too.

    A forward decision (advance, graduate) with any criterion of its checklist unmet needs an
    explicit override reason, kept on the decision; a stage that needs a specialist's sign-off
    is never entered without one. `rationale` is clinical reasoning for physios and leads;
    `shared_note` (optional) is the only text of the decision the athlete and their coach read.
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
    index = next(i for i, s in enumerate(stages) if s.pk == plan.current_stage_id)
    today = on or timezone.localdate()
    checked = list(criteria_met or [])
    override = ""
    if kind in FORWARD_DECISIONS:
        if kind == DecisionKind.ADVANCE and index + 1 >= len(stages):
            raise ValidationError({"kind": _("This is the last stage: graduate instead.")})
        if kind == DecisionKind.GRADUATE and index + 1 < len(stages):
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
        to_stage = stages[index + 1]
        if to_stage.requires_specialist_signoff and not _signed_off(plan, to_stage):
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
        if index == 0:
            raise ValidationError(
                {"kind": _("This is the first stage: there is no earlier stage.")}
            )
        to_stage = stages[index - 1]
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
    return StageDecision.objects.create(
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
        and _day_kind(stage, start, start) == engine.SESSION
        and _ran_on(plan, start - timedelta(days=1))
    ):
        start += timedelta(days=1)
    plan.current_stage = stage
    plan.stage_start_step = start_step
    plan.current_step = steps[start_step]
    plan.stage_started_on = start
    plan.step_completions = plan.step_failures = 0
    plan.steps_counted_from = None


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
        kind_of=lambda day: _day_kind(stage, started, day),
        start_index=plan.stage_start_step,
        completions_needed=[s.completions_to_advance for s in steps],
    )
    plan.current_step = steps[state.index]
    plan.step_completions = state.completions
    plan.step_failures = state.failures


def _day_kind(stage: Stage, stage_start: date, day: date) -> str:
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


# --- Prescription -----------------------------------------------------------------------------


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
    kind = _day_kind(stage, plan.stage_started_on, day)
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
                last.day, lambda d: _day_kind(stage, plan.stage_started_on or d, d)
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
        result.details = [step.describe()]
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
