from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from protocols.models import Plan, ProtocolTemplate
from protocols.selectors import decision_criteria
from protocols.services.plans import plan_assign, plan_confirm
from protocols.services.stages import criterion_add, stage_add, step_add
from protocols.services.templates import template_create, template_publish
from rtr.accounts.models import Clinic, User


def library(code: str = "low_risk_tibia_mt") -> ProtocolTemplate:
    return ProtocolTemplate.objects.get(clinic__isnull=True, code=code, is_plan_copy=False)


def make_template(
    *,
    clinic: Clinic,
    by: User,
    stages: int = 2,
    steps: int = 2,
    publish: bool = True,
    **overrides: Any,
) -> ProtocolTemplate:
    data: dict[str, Any] = {
        "name": "Clinic protocol",
        "duration_min_weeks": 4,
        "duration_max_weeks": 8,
    }
    data.update(overrides)
    template = template_create(clinic=clinic, by=by, **data)
    for s in range(1, stages + 1):
        stage = stage_add(
            template=template,
            name=f"Stage {s}",
            duration_min_weeks=1,
            duration_max_weeks=2,
            session_days_per_week=3,
            no_back_to_back=True,
            rest_days_per_week=1,
            strength="Calf raises",
            cross_training="Bike",
        )
        criterion_add(stage=stage, text=f"Criterion {s}", kind="yes_no")
        for i in range(1, steps + 1):
            step_add(
                stage=stage,
                kind="walk_run",
                walk_minutes=2,
                run_minutes=i,
                repetitions=5,
                completions_to_advance=2,
            )
    if publish:
        template = template_publish(template=template, by=by)
    return template


def active_plan(
    *,
    patient,
    template: ProtocolTemplate,
    by: User,
    start: date | None = None,
    override_reason: str = "",
) -> Plan:
    start = start or timezone.localdate() - timedelta(days=7)
    earliest = timezone.localdate() - timedelta(days=14)
    plan = plan_assign(
        patient=patient,
        template=template,
        start_date=max(start, earliest),
        by=by,
        override_reason=override_reason,
    )
    if start < earliest:  # history for tests: older than the assignment form allows
        Plan.objects.filter(pk=plan.pk).update(start_date=start)
        plan.refresh_from_db()
    return plan_confirm(plan=plan, by=by)


def all_met(plan: Plan, kind: str = "advance") -> list[dict[str, object]]:
    """The checklist of a forward decision with every criterion ticked as met."""
    plan.refresh_from_db()
    return [{"text": criterion.text, "met": True} for criterion in decision_criteria(plan, kind)]
