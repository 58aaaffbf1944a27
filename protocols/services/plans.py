"""Assigning a plan (a private copy of a template version), discarding a draft, confirming it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient, PatientStatus
from protocols.eligibility import misfit_reasons
from protocols.models import (
    DecisionKind,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    StageDecision,
    TemplateStatus,
)
from protocols.selectors import signed_off
from rtr.errors import Conflict, Refused

from . import reviews
from .templates import copy_content, header_copy

if TYPE_CHECKING:
    from rtr.accounts.models import User


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
    content = header_copy(
        template,
        clinic=patient.clinic,
        version=template.version,
        status=TemplateStatus.DRAFT,
        is_plan_copy=True,
        created_by=by,
        code=template.code,
    )
    content.save()
    copy_content(template, content)
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
        raise Conflict(_("Only a draft plan can be discarded; stop an active plan instead."))
    content = plan.content
    plan.delete()
    content.delete()


@transaction.atomic
def plan_confirm(*, plan: Plan, by: User) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("This plan is already confirmed."))
    stages = list(plan.content.stages.prefetch_related("steps").order_by("order"))
    if not stages or any(not stage.steps.all() for stage in stages):
        raise Refused(_("Every stage needs at least one session step."))
    first = stages[0]
    if plan.content.requires_specialist_signoff and not signed_off(plan, None):
        raise Refused(
            _(
                "This protocol needs a specialist's sign-off before the plan starts: record who "
                "signed off and when."
            )
        )
    if first.requires_specialist_signoff and not signed_off(plan, first):
        raise Refused(
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
    reviews.signoff_ahead(plan, by=by, today=timezone.localdate())
    return plan
