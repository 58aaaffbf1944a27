"""The plan page's proposal: which entry criteria of the next stage the check-ins already show.

Criteria with a `measure` are computed over the last 14 days of check-ins; the rest need the
physio's assessment. It proposes; moving stage stays a clinician's decision.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from checkins.models import CheckIn, SessionDone
from protocols.models import EntryCriterion, Measure

WINDOW_DAYS = 14


@dataclass
class Assessment:
    criterion: EntryCriterion
    value: Any  # True/False for yes/no, a number for numeric, None when not measurable
    met: bool | None  # None: needs the physio's assessment


def _pain_free(c: CheckIn) -> bool:
    return (
        c.did_session and max(c.pain_during or 0, c.pain_after or 0) == 0 and c.swelling == "none"
    )


def measure(kind: str, checkins: list[CheckIn]) -> Any:
    if not checkins:
        return None
    if kind == Measure.ADL_PAIN_FREE:
        return (
            Decimal(max(c.pain_rest for c in checkins))
            if not any(c.pain_with_walking for c in checkins)
            else Decimal(10)
        )
    if kind == Measure.NO_TENDERNESS:
        return all(c.focal_tenderness == "none" for c in checkins)
    if kind == Measure.NO_SWELLING:
        return all(c.swelling == "none" for c in checkins)
    if kind == Measure.NO_NEXT_MORNING_RISE:
        return all(
            b.pain_next_morning <= a.pain_next_morning for a, b in itertools.pairwise(checkins)
        )
    if kind == Measure.LONGEST_PAIN_FREE_WALK:
        return Decimal(max([c.walk_minutes for c in checkins if _pain_free(c)] or [0]))
    if kind == Measure.PAIN_FREE_WALKS_30:
        return Decimal(sum(1 for c in checkins if _pain_free(c) and c.walk_minutes >= 30))
    if kind == Measure.PAIN_FREE_RUNS_30:
        return Decimal(sum(1 for c in checkins if _pain_free(c) and c.run_minutes >= 30))
    if kind == Measure.PAIN_FREE_SESSIONS:
        return Decimal(
            sum(
                1 for c in checkins if _pain_free(c) and c.session_done == SessionDone.AS_PRESCRIBED
            )
        )
    return None


def assess(criteria: list[EntryCriterion], *, patient_id: int, today: date) -> list[Assessment]:
    checkins = list(
        CheckIn.objects.filter(
            patient_id=patient_id, date__gt=today - timedelta(days=WINDOW_DAYS), date__lte=today
        ).order_by("date")
    )
    result = []
    for criterion in criteria:
        value = measure(criterion.measure, checkins) if criterion.measure else None
        met = None if value is None else criterion.is_met_by(value)
        result.append(Assessment(criterion, value, met))
    return result
