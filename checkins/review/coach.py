"""The coach's home: per athlete, what a coach needs to plan training around the injury and
nothing clinical (design.md: "the plan, stage and adherence ... no clinical notes").

Per athlete: the stage (and where it sits among the plan's stages), the expected return
window, check-in adherence over the last 7 days, the next review date, and whether the physio
has restricted training (the plan paused, or held at its stage until a review).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, Subquery

from checkins.models import CheckIn
from checkins.selectors import adherence
from patients.models import CareTask, Patient, PatientStatus, TaskKind
from protocols import selectors as plan_selectors
from protocols.models import DecisionKind, Plan, PlanStatus, Stage, StageDecision

if TYPE_CHECKING:
    from rtr.accounts.models import Membership


@dataclass(frozen=True)
class CoachRow:
    patient: Patient
    plan: Plan | None
    stage: str
    stage_number: int | None
    stage_count: int
    return_window: tuple[date, date] | None
    adherence_pct: int | None
    next_review: date | None
    restriction: str


def restriction(plan: Plan | None, last_kind: str | None) -> str:
    """What the physio restricts, in the coach's words ("" when training follows the plan)."""
    if plan is None:
        return ""
    if plan.status == PlanStatus.PAUSED:
        return "paused"
    if last_kind == DecisionKind.HOLD:
        return "held"
    return ""


def coach_caseload(membership: Membership, *, today: date) -> list[CoachRow]:
    """The athletes whose care team the coach is on, by name: a fixed number of queries
    however many athletes (their patients, plans with stages, the last week's check-ins)."""
    patients = list(
        Patient.objects.visible_to(membership)
        .filter(status=PatientStatus.ACTIVE)
        .annotate(
            next_review=Subquery(
                CareTask.objects.open()
                .filter(patient_id=OuterRef("pk"), kind=TaskKind.REVIEW)
                .order_by("due_on")
                .values("due_on")[:1]
            )
        )
        .order_by("last_name", "first_name")[:200]
    )
    plans = {
        plan.patient_id: plan
        for plan in Plan.objects.filter(patient__in=patients)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("current_stage", "content")
        .prefetch_related(Prefetch("content__stages", queryset=Stage.objects.order_by("order")))
        .annotate(
            last_kind=Subquery(
                StageDecision.objects.filter(plan_id=OuterRef("pk"))
                .exclude(kind=DecisionKind.START)
                .order_by("-decided_at", "-pk")
                .values("kind")[:1]
            )
        )
        .order_by("created_at")
    }
    recent = today - timedelta(days=6)
    checkins: dict[int, list[CheckIn]] = {}
    for checkin in CheckIn.objects.filter(patient__in=patients, date__gte=recent).only(
        "patient_id", "date", "prescribed_kind", "session_done"
    ):
        checkins.setdefault(checkin.patient_id, []).append(checkin)
    rows = []
    for patient in patients:
        plan = plans.get(patient.pk)
        stages = list(plan.content.stages.all()) if plan else []
        position = plan.stage_position(stages) if plan else None
        running = plan is not None and plan.status in {PlanStatus.ACTIVE, PlanStatus.PAUSED}
        rows.append(
            CoachRow(
                patient=patient,
                plan=plan,
                stage=plan.current_stage.name if plan and plan.current_stage else "",
                stage_number=position.index + 1
                if position and position.index is not None
                else None,
                stage_count=len(stages),
                return_window=plan_selectors.expected_finish(plan, stages)
                if running and plan
                else None,
                adherence_pct=(
                    adherence(
                        checkins.get(patient.pk, []), today=today, days=7, since=plan.start_date
                    ).checkin_pct
                    if running and plan
                    else None
                ),
                next_review=getattr(patient, "next_review", None),
                restriction=restriction(plan, getattr(plan, "last_kind", None)),
            )
        )
    return rows
