"""The caseload dashboard of the staff home page: stages, adherence, quiet patients, recent
decisions, plans ending soon and open flags, for the clinic or the physio's own patients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from checkins.models import (
    OPEN_FLAG_STATUSES,
    CheckIn,
    Flag,
)
from patients.models import Patient, PatientStatus
from protocols.models import Plan, PlanStatus, Stage, StageDecision
from protocols.selectors import StagePhase, stage_phase
from rtr.accounts.models import Membership
from rtr.panels import Panel

from .coach import coach_caseload
from .queue import counts_by_severity, severity_counts

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_stubs_ext import WithAnnotations


def own_patients(membership: Membership) -> Q:
    """A physio's own patients, as a filter on flags: assigned to them or on their care team."""
    return Q(patient__assigned_physio_id=membership.user_id) | Q(
        patient__care_team__user_id=membership.user_id
    )


def dashboard_panel(request: HttpRequest) -> Panel | None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_staff_role:
        return None
    if not membership.is_clinical:
        rows = coach_caseload(membership, today=timezone.localdate())
        return Panel("checkins/_dashboard_coach.html", {"rows": rows})
    mine = request.GET.get("view") == "mine" or (
        membership.role == "physio" and request.GET.get("view") != "clinic"
    )
    data = dashboard(membership, today=timezone.localdate(), mine=mine)
    chart = {
        "labels": [row["stage"] for row in data.stage_counts],
        "counts": [row["n"] for row in data.stage_counts],
    }
    return Panel("checkins/_dashboard.html", {"d": data, "stage_chart": chart, "mine": mine})


class _LastCheckIn(TypedDict):
    last_checkin: date | None
    last_stage_order: int


@dataclass
class Dashboard:
    stage_counts: list[dict[str, Any]]
    flags: dict[str, dict[str, int]]
    adherence_7: tuple[int, int]
    adherence_28: tuple[int, int]
    quiet_patients: list[Patient]
    decisions: list[StageDecision]
    ending_soon: list[Any]
    active_plans: int
    mine: bool

    @staticmethod
    def pct(pair: tuple[int, int]) -> int | None:
        done, expected = pair
        return round(100 * done / expected) if expected else None

    @property
    def adherence_7_pct(self) -> int | None:
        return self.pct(self.adherence_7)

    @property
    def adherence_28_pct(self) -> int | None:
        return self.pct(self.adherence_28)


def dashboard(membership: Membership, *, today: date, mine: bool) -> Dashboard:
    plans = Plan.objects.filter(
        patient__clinic_id=membership.clinic_id,
        status=PlanStatus.ACTIVE,
        patient__status=PatientStatus.ACTIVE,
    )
    if mine:
        plans = plans.filter(
            Q(patient__assigned_physio_id=membership.user_id)
            | Q(patient__care_team__user_id=membership.user_id)
        ).distinct()
    plan_rows = cast(
        "list[WithAnnotations[Plan, _LastCheckIn]]",  # the annotation as mypy should read it
        list(
            plans.select_related("patient", "current_stage")
            .prefetch_related("current_stage__steps")
            .annotate(
                last_checkin=Max("patient__checkins__date"),
                last_stage_order=Subquery(
                    Stage.objects.filter(template_id=OuterRef("content_id"))
                    .order_by("-order")
                    .values("order")[:1]
                ),
            )
        ),
    )
    by_phase: dict[str, dict[str, int]] = {phase: {} for phase in StagePhase.ORDER}
    for plan in plan_rows:
        stage = plan.current_stage
        if stage is None:
            continue
        phase = stage_phase(
            stage, is_last=stage.order == plan.last_stage_order, steps=list(stage.steps.all())
        )
        by_phase[phase][stage.name] = by_phase[phase].get(stage.name, 0) + 1
    stage_counts = [
        {
            "stage": str(StagePhase.LABELS[phase]),
            "n": sum(names.values()),
            "stages": sorted(names.items(), key=lambda kv: -kv[1]),
        }
        for phase, names in by_phase.items()
    ]

    patient_ids = [p.patient_id for p in plan_rows]
    starts = {p.patient_id: p.start_date for p in plan_rows}
    done = CheckIn.objects.filter(
        patient_id__in=patient_ids, date__gt=today - timedelta(days=28), date__lte=today
    ).values("patient_id", "date")
    done_7 = done_28 = 0
    for row in done:
        if row["date"] >= starts[row["patient_id"]]:
            done_28 += 1
            done_7 += row["date"] > today - timedelta(days=7)
    expected_7 = sum(max(0, min(7, (today - starts[p]).days + 1)) for p in patient_ids)
    expected_28 = sum(max(0, min(28, (today - starts[p]).days + 1)) for p in patient_ids)
    quiet = [
        p.patient
        for p in plan_rows
        if (p.last_checkin is None or (today - p.last_checkin).days >= 3)
        and p.start_date <= today - timedelta(days=2)
    ]
    ending = [
        p
        for p in plan_rows
        if p.current_stage
        and p.stage_started_on
        and 0
        <= (p.stage_started_on + timedelta(weeks=p.current_stage.duration_max_weeks) - today).days
        <= 7
    ]
    decisions = list(
        StageDecision.objects.filter(plan__patient__clinic_id=membership.clinic_id)
        .filter(Q(plan__patient_id__in=patient_ids) if mine else Q())
        .exclude(kind="start")
        .select_related("plan__patient", "decided_by", "to_stage")
        .order_by("-decided_at")[:8]
    )
    flags = severity_counts(membership) if not mine else _my_flag_counts(membership)
    return Dashboard(
        stage_counts,
        flags,
        (done_7, expected_7),
        (done_28, expected_28),
        sorted(quiet, key=lambda p: p.last_name)[:15],
        decisions,
        ending[:10],
        len(plan_rows),
        mine,
    )


def _my_flag_counts(membership: Membership) -> dict[str, dict[str, int]]:
    return counts_by_severity(
        Flag.objects.filter(clinic_id=membership.clinic_id, status__in=OPEN_FLAG_STATUSES).filter(
            pk__in=Flag.objects.filter(own_patients(membership)).values("pk")
        )
    )
