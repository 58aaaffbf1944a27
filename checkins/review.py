"""Reads for the clinic lead's review: the flag queue and the caseload dashboard.

Every read is scoped to the current clinic (and, for a physio, to their own patients) and
runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from patients.models import Patient, PatientStatus
from protocols.models import Plan, PlanStatus, StageDecision
from rtr.accounts.models import Membership, Role

from .models import OPEN_FLAG_STATUSES, CheckIn, Flag, FlagQuerySet, Severity

# Response targets by severity: a flag open longer than this is highlighted as overdue.
RESPONSE_TARGETS = {
    Severity.URGENT: timedelta(hours=4),
    Severity.HIGH: timedelta(hours=24),
    Severity.LOW: timedelta(hours=72),
    Severity.INFO: timedelta(days=7),
}
SEVERITY_DESC = ["urgent", "high", "low", "info"]


def own_patients(membership: Membership) -> Q:
    """A physio's own patients: assigned to them or on their care team."""
    return Q(patient__assigned_physio_id=membership.user_id) | Q(
        patient__care_team__user_id=membership.user_id
    )


def own_patient_ids(membership: Membership) -> QuerySet[Patient]:
    """A physio's own patients (assigned, or on the care team)."""
    from patients.models import CareTeamMember

    on_team = CareTeamMember.objects.filter(user_id=membership.user_id).values("patient_id")
    return Patient.objects.filter(clinic_id=membership.clinic_id).filter(
        Q(assigned_physio_id=membership.user_id) | Q(pk__in=on_team)
    )


def flags_for(membership: Membership) -> FlagQuerySet:
    """The flags a member reviews: the lead all of the clinic's, a physio their own patients'.

    The physio's patient ids are read first (one small query) and given to PostgreSQL as a
    list, so it reads their flags through the patient index: `make bench` (a clinic of 9,000
    patients and ~10,000 open flags) showed it otherwise sorting every open flag of the clinic
    before filtering, 60-90 ms of the queue's time, for either a join or a subquery.
    """
    flags = Flag.objects.visible_to(membership)
    if membership.role == Role.PHYSIO:
        # Kept on the request's membership (as cached_property does), so the queue's page and
        # its counts by severity read the physio's patients once.
        cache = membership.__dict__
        if "own_patient_ids" not in cache:
            cache["own_patient_ids"] = list(
                own_patient_ids(membership).values_list("pk", flat=True)
            )
        flags = flags.filter(patient_id__in=cache["own_patient_ids"])
    return flags


def overdue_q(now: Any) -> Q:
    q = Q()
    for severity, target in RESPONSE_TARGETS.items():
        q |= Q(severity=severity, opened_at__lt=now - target)
    return q


def queue(
    membership: Membership,
    *,
    severity: str = "",
    rule: str = "",
    physio: str = "",
    status: str = "",
    age: str = "",
    sort: str = "",
) -> QuerySet[Flag]:
    now = timezone.now()
    flags = flags_for(membership).filter(status__in=[status] if status else OPEN_FLAG_STATUSES)
    if severity:
        flags = flags.filter(severity=severity)
    if rule:
        flags = flags.filter(rule_code=rule)
    if physio:
        flags = flags.filter(patient__assigned_physio__public_id=physio)
    if age == "overdue":
        flags = flags.filter(overdue_q(now))
    elif age == "24h":
        flags = flags.filter(opened_at__gte=now - timedelta(hours=24))
    orders = {
        "oldest": ["opened_at"],
        "newest": ["-opened_at"],
        "patient": ["patient__last_name", "patient__first_name", "-opened_at"],
    }
    if sort in orders:
        return flags.order_by(*orders[sort], "pk")
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(
        *[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_DESC)],
        output_field=IntegerField(),
    )
    return flags.annotate(severity_rank=rank).order_by("severity_rank", "opened_at", "pk")


def queue_rows(page_ids: list[int]) -> list[Flag]:
    """One page of the queue with what its rows show, in the page's order.

    The queue is sorted and cut into pages on the flag table alone (`queue(...)` as ids) and
    only the page's 25 flags are joined to patient, physio, plan and stage: `make bench` showed
    PostgreSQL joining all of a large clinic's open flags before sorting them otherwise.
    """
    flags = Flag.objects.filter(pk__in=page_ids).select_related(
        "patient", "patient__assigned_physio", "plan__current_stage", "assigned_to"
    )
    by_id = {flag.pk: flag for flag in flags}
    return [by_id[pk] for pk in page_ids if pk in by_id]


def severity_counts(membership: Membership) -> dict[str, dict[str, int]]:
    now = timezone.now()
    rows = (
        flags_for(membership)
        .open()
        .values("severity")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    )
    counts = {s: {"n": 0, "overdue": 0} for s in SEVERITY_DESC}
    for row in rows:
        counts[row["severity"]] = {"n": row["n"], "overdue": row["overdue"]}
    return counts


def is_overdue(flag: Flag, now: Any) -> bool:
    return flag.is_open and now - flag.opened_at > RESPONSE_TARGETS[Severity(flag.severity)]


# --- Caseload dashboard ----------------------------------------------------------------------


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
    plan_rows = list(
        plans.select_related("patient", "current_stage").annotate(
            last_checkin=Max("patient__checkins__date")
        )
    )
    by_stage: dict[str, int] = {}
    for plan in plan_rows:
        name = plan.current_stage.name if plan.current_stage else "–"
        by_stage[name] = by_stage.get(name, 0) + 1
    stage_counts = [
        {"stage": k, "n": v} for k, v in sorted(by_stage.items(), key=lambda kv: -kv[1])
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
    now = timezone.now()
    rows = (
        Flag.objects.filter(clinic_id=membership.clinic_id, status__in=OPEN_FLAG_STATUSES)
        .filter(pk__in=Flag.objects.filter(own_patients(membership)).values("pk"))
        .values("severity")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    )
    counts = {s: {"n": 0, "overdue": 0} for s in SEVERITY_DESC}
    for row in rows:
        counts[row["severity"]] = {"n": row["n"], "overdue": row["overdue"]}
    return counts
