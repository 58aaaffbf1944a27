"""Demo plans for the demo caseload (idempotent: a patient with a plan is left alone)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from patients.models import Patient
from rtr.accounts.demo import DEMO_CLINIC

from .models import Plan, ProtocolTemplate, StageDecision
from .selectors import decision_criteria
from .services.decisions import plan_decide, record_specialist_signoff
from .services.plans import plan_assign, plan_confirm

if TYPE_CHECKING:
    from rtr.accounts.models import User

DEMO_SPECIALIST = "Dr Ana Khan, sports and exercise medicine physician"

# last name, library code, days since start, advances (days before today for each), override reason
DEMO_PLANS = [
    ("Runner", "low_risk_tibia_mt", 30, [22, 12], ""),
    ("Strider", "low_risk_tibia_mt", 16, [6], ""),
    ("Miles", "high_risk_conservative", 20, [], ""),
    ("Byrne", "low_risk_tibia_mt", 45, [37, 28, 16], ""),
    ("Okoro", "high_risk_conservative", 40, [], ""),
    ("Novak", "generic_conservative", 25, [10], ""),
    ("Moreau", "low_risk_tibia_mt", 35, [27, 18, 6], ""),
    (
        "Brown",
        "generic_conservative",
        12,
        [],
        "Jones-zone fracture managed conservatively on specialist advice; cautious generic pathway.",
    ),
]


def _sign_off_where_needed(plan: Plan, physio: User, *, on: date) -> None:
    """The demo's specialist sign-offs: the plan as a whole and every stage that needs one."""
    if plan.content.requires_specialist_signoff:
        record_specialist_signoff(plan=plan, by=physio, specialist=DEMO_SPECIALIST, signed_on=on)
    for stage in plan.content.stages.filter(requires_specialist_signoff=True):
        record_specialist_signoff(
            plan=plan, by=physio, stage=stage, specialist=DEMO_SPECIALIST, signed_on=on
        )


def demo_plans_load() -> int:
    created = 0
    today = timezone.localdate()
    for last_name, code, days_ago, advances, override in DEMO_PLANS:
        patient = (
            Patient.objects.filter(clinic__name=DEMO_CLINIC, last_name=last_name, is_demo=True)
            .select_related("assigned_physio")
            .first()
        )
        if patient is None or Plan.objects.filter(patient=patient).exists():
            continue
        template = ProtocolTemplate.objects.get(
            clinic__isnull=True, code=code, is_plan_copy=False, status="published"
        )
        physio = patient.assigned_physio
        plan = plan_assign(
            patient=patient,
            template=template,
            start_date=today - timedelta(days=min(days_ago, 14)),
            by=physio,
            override_reason=override,
        )
        # Demo history: start further back than the assignment form allows.
        Plan.objects.filter(pk=plan.pk).update(start_date=today - timedelta(days=days_ago))
        plan.refresh_from_db()
        _sign_off_where_needed(plan, physio, on=today - timedelta(days=days_ago))
        plan = plan_confirm(plan=plan, by=physio)
        StageDecision.objects.filter(plan=plan).update(
            decided_at=timezone.now() - timedelta(days=days_ago)
        )
        for before in advances:
            decision = plan_decide(
                plan=plan,
                kind="advance",
                by=physio,
                on=today - timedelta(days=before),
                rationale="Entry criteria reviewed in clinic: all met, pain-free.",
                shared_note="Well done: on to the next stage. Keep the runs easy and flat.",
                criteria_met=[
                    {"text": c.text, "met": True} for c in decision_criteria(plan, "advance")
                ],
            )
            # Demo history: the decision on the day it was made.
            StageDecision.objects.filter(pk=decision.pk).update(
                decided_at=timezone.now() - timedelta(days=before)
            )
        created += 1
    return created
