"""The editor of a template's (or a draft plan's) stages, their session steps and entry criteria.

Every change checks first that the template may change (`templates.require_editable`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, QuerySet
from django.utils.translation import gettext as _

from protocols.models import EntryCriterion, Plan, ProtocolTemplate, SessionStep, Stage, StepKind
from rtr.errors import Refused

from .templates import (
    CRITERION_FIELDS,
    STAGE_FIELDS,
    STEP_DEFAULTS,
    STEP_FIELDS,
    assign_fields,
    require_editable,
    save_valid,
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


def _next_order(queryset: Any) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


def _append[M: Model](item: M, siblings: QuerySet[Any], check: Callable[[M], None]) -> M:
    """A new stage, step or criterion goes last among its siblings, checked, then validated."""
    item.order = _next_order(siblings)  # type: ignore[attr-defined]
    check(item)
    return save_valid(item)


def _add_to_stage[M: Model](
    stage: Stage,
    model: type[M],
    fields: Iterable[str],
    data: Mapping[str, Any],
    siblings: QuerySet[Any],
    check: Callable[[M], None],
) -> M:
    """A step or a criterion joins its stage alike; what the form left blank keeps its default."""
    require_editable(stage.template)
    given = {k: data[k] for k in fields if k in data and data[k] is not None}
    return _append(model(stage=stage, **given), siblings, check)


@transaction.atomic
def stage_add(*, template: ProtocolTemplate, **data: Any) -> Stage:
    require_editable(template)
    stage = Stage(template=template, **{k: data[k] for k in STAGE_FIELDS if k in data})
    return _append(stage, template.stages.all(), _check_stage_week)


@transaction.atomic
def stage_update(*, stage: Stage, **data: Any) -> Stage:
    require_editable(stage.template)
    assign_fields(stage, STAGE_FIELDS, data)
    _check_stage_week(stage)
    return save_valid(stage)


@transaction.atomic
def stage_delete(*, stage: Stage) -> None:
    require_editable(stage.template)
    if stage.template.is_plan_copy and stage.template.stages.count() <= 1:
        raise Refused(_("A plan keeps at least one stage."))
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
        raise Refused(_("Move up or down."))
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
    require_editable(stage.template)
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
    return _add_to_stage(stage, SessionStep, STEP_FIELDS, data, stage.steps.all(), _check_step)


@transaction.atomic
def step_update(*, step: SessionStep, **data: Any) -> SessionStep:
    require_editable(step.stage.template)
    assign_fields(step, STEP_FIELDS, data, STEP_DEFAULTS)
    _check_step(step)
    return save_valid(step)


@transaction.atomic
def step_delete(*, step: SessionStep) -> None:
    require_editable(step.stage.template)
    stage = step.stage
    if Plan.objects.filter(content=stage.template).exists() and stage.steps.count() <= 1:
        raise Refused(_("A plan's stage keeps at least one step."))
    step.delete()
    _renumber(stage.steps.order_by("order"))


@transaction.atomic
def step_move(*, step: SessionStep, direction: str) -> None:
    require_editable(step.stage.template)
    _swap(step, step.stage.steps.select_for_update(), direction)


def _check_criterion(criterion: EntryCriterion) -> None:
    if criterion.kind == "numeric" and (criterion.threshold is None or not criterion.comparator):
        raise ValidationError(
            {"threshold": _("A numeric criterion needs a comparison and a threshold.")}
        )
    if criterion.kind == "yes_no":
        criterion.threshold, criterion.comparator, criterion.unit = None, "", ""


@transaction.atomic
def criterion_add(*, stage: Stage, **data: Any) -> EntryCriterion:
    criteria = stage.criteria.all()
    return _add_to_stage(stage, EntryCriterion, CRITERION_FIELDS, data, criteria, _check_criterion)


@transaction.atomic
def criterion_delete(*, criterion: EntryCriterion) -> None:
    require_editable(criterion.stage.template)
    stage = criterion.stage
    criterion.delete()
    _renumber(stage.criteria.order_by("order"))
