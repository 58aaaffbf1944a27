"""A template's life: create, edit while draft, publish (frozen), retire, new version, clone.

Also the copy of a template's content that new versions, clones and plans start from, and the
rule that only a clinic's draft (or a draft plan's copy) may change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from protocols.models import (
    EntryCriterion,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SessionStep,
    Stage,
    TemplateStatus,
)
from protocols.selectors import publish_problems
from rtr.errors import Conflict, Refused

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


class NotEditable(Refused):
    """The template is published, retired, shared or an active plan's copy: read-only."""


def require_editable(template: ProtocolTemplate) -> None:
    """Only a clinic's draft, or a draft plan's copy, may change: anything else is refused."""
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


def assign_fields(
    obj: Model,
    fields: Iterable[str],
    data: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """A write sets only the fields the form sent; one left blank may fall back to a default."""
    for key in fields:
        if key in data:
            value = data[key]
            if value is None and defaults is not None:
                value = defaults.get(key)
            setattr(obj, key, value)


def save_valid[M: Model](obj: M) -> M:
    """Every editor write is validated by the model before it is saved."""
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def template_create(*, clinic: Clinic, by: User, **data: Any) -> ProtocolTemplate:
    template = ProtocolTemplate(
        clinic=clinic, created_by=by, status=TemplateStatus.DRAFT, version=1
    )
    assign_fields(template, TEMPLATE_FIELDS, data)
    return save_valid(template)


@transaction.atomic
def template_update(*, template: ProtocolTemplate, **data: Any) -> ProtocolTemplate:
    require_editable(template)
    assign_fields(template, TEMPLATE_FIELDS, data)
    return save_valid(template)


@transaction.atomic
def template_publish(*, template: ProtocolTemplate, by: User) -> ProtocolTemplate:
    template = ProtocolTemplate.objects.select_for_update().get(pk=template.pk)
    require_editable(template)
    if template.is_plan_copy:
        raise NotEditable(_("A plan is confirmed, not published."))
    problems = publish_problems(template)
    if problems:
        raise Refused(problems)
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
        raise Conflict(_("Only a published version can be retired."))
    template.status = TemplateStatus.RETIRED
    template.save(update_fields=["status"])
    return template


def copy_content(source: ProtocolTemplate, target: ProtocolTemplate) -> None:
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


def header_copy(source: ProtocolTemplate, **overrides: Any) -> ProtocolTemplate:
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
    draft = header_copy(
        template,
        clinic=template.clinic,
        family=template.family,
        code=template.code,
        version=latest + 1,
        status=TemplateStatus.DRAFT,
        created_by=by,
    )
    draft.save()
    copy_content(template, draft)
    return draft


@transaction.atomic
def template_clone(*, template: ProtocolTemplate, clinic: Clinic, by: User) -> ProtocolTemplate:
    """A new template family for the clinic, starting from any visible template."""
    clone = header_copy(
        template, clinic=clinic, version=1, status=TemplateStatus.DRAFT, created_by=by
    )
    clone.name = (_("Copy of %(name)s") % {"name": template.name})[:120]
    clone.save()
    copy_content(template, clone)
    return clone
