"""The flag queue: open flags by severity and age, the counts, the response targets.

Every read is scoped by the one flag visibility rule (`Flag.objects.visible_to`: the current
clinic, and for a physio their own patients) and runs a fixed number of queries whatever the
number of rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from checkins.models import OPEN_FLAG_STATUSES, SEVERITY_DESC, Flag, FlagQuerySet, Severity
from rtr.accounts.models import Membership

# Response targets by severity: a flag open longer than this is highlighted as overdue.
RESPONSE_TARGETS: dict[str, timedelta] = {
    Severity.URGENT: timedelta(hours=4),
    Severity.HIGH: timedelta(hours=24),
    Severity.LOW: timedelta(hours=72),
    Severity.INFO: timedelta(days=7),
}


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
    flags = Flag.objects.visible_to(membership).filter(
        status__in=[status] if status else OPEN_FLAG_STATUSES
    )
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
    """The open flags the member sees, by severity: how many, and how many overdue."""
    return counts_by_severity(Flag.objects.visible_to(membership).open())


def counts_by_severity(flags: FlagQuerySet) -> dict[str, dict[str, int]]:
    """These flags by severity, most severe first, every severity present (0 when none)."""
    rows = flags.values("severity").annotate(
        n=Count("pk"), overdue=Count("pk", filter=overdue_q(timezone.now()))
    )
    counts = {s: {"n": 0, "overdue": 0} for s in SEVERITY_DESC}
    for row in rows:
        counts[row["severity"]] = {"n": row["n"], "overdue": row["overdue"]}
    return counts


def is_overdue(flag: Flag, now: Any) -> bool:
    return flag.is_open and now - flag.opened_at > RESPONSE_TARGETS[Severity(flag.severity)]
