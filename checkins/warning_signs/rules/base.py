"""What every warning-sign rule reads and returns: a day's check-in, the patient's context,
a finding, a rule of the registry; and the streaks the rules count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

INFO, LOW, HIGH, URGENT = "info", "low", "high", "urgent"
MAX_GAP_DAYS = 2  # check-ins this many days apart still make a streak (one missed day between)
SWELLING_LEVEL = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}


@dataclass(frozen=True)
class Day:
    """What the rules read from one check-in (a plain snapshot: no database)."""

    date: date
    pain_rest: int = 0
    pain_during: int | None = None
    pain_after: int | None = None
    pain_next_morning: int = 0
    focal_tenderness: str = "none"
    swelling: str = "none"
    night_pain: bool = False
    pain_with_walking: bool = False
    groin_pain: bool = False
    session_done: str = "rest_day"
    run_minutes: int = 0
    # Subjective answers: None is "not reported" (missing data, never a value: no sleep
    # reported is not poor sleep).
    sleep_hours: Decimal | float | None = 8
    fatigue: int | None = 0
    fuelling_adequate: bool | None = True
    menstrual_status: str = ""
    confidence: int | None = 10
    # The day's prescription as the athlete saw it (snapshotted with the check-in): its kind
    # (session / strength / cross_training / rest / paused / not_started / finished / none;
    # "" when unknown) and the running minutes it prescribed (None: no session step).
    prescribed_kind: str = ""
    prescribed_run_minutes: Decimal | float | None = None


@dataclass(frozen=True)
class Context:
    """The patient facts a rule may need besides the check-ins."""

    as_of: date
    adolescent: bool = False  # under 18: sleep target 8 h [F:58]
    hip_history: bool = False  # femoral neck or pelvis injury, now or before
    plan_active: bool = True
    plan_start: date | None = None
    weekly_run_cap: int | None = None  # the current stage's cap, minutes
    stage_started_on: date | None = None  # the current stage's first day
    running_stage: bool = False  # the current stage prescribes running (a step with run minutes)
    # No prescription to judge runs against: no plan, or the plan has graduated (free running).
    unrestricted_running: bool = False


@dataclass(frozen=True)
class Finding:
    rule: str
    day: date  # the check-in date (or missed day) that made the rule fire
    severity: str
    summary: str
    evidence: list[dict[str, Any]]


@dataclass(frozen=True)
class Param:
    default: float
    low: float
    high: float
    unit: str
    label: StrOrPromise  # lazy: translated where it is shown


@dataclass(frozen=True)
class Rule:
    """A rule of the registry. Its words are kept lazy (translated when read, in the language
    of the request, not frozen at import): `title`, `explanation` and `baseline` give them as
    text."""

    code: str
    version: int
    lazy_title: StrOrPromise
    severity: str
    lazy_explanation: StrOrPromise
    source: str
    params: dict[str, Param]
    check: Callable[[Sequence[Day], Context, dict[str, float]], list[Finding]]
    lazy_baseline: StrOrPromise = ""  # the minimum of data a personal comparison waits for
    time_based: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return str(self.lazy_title)

    @property
    def explanation(self) -> str:
        return str(self.lazy_explanation)

    @property
    def baseline(self) -> str:
        return str(self.lazy_baseline)


def evidence(day: Day, **values: Any) -> dict[str, Any]:
    """One day's evidence: its date and the values that count (numbers as JSON floats)."""
    return {
        "date": day.date.isoformat(),
        **{k: (float(v) if isinstance(v, Decimal) else v) for k, v in values.items()},
    }


def streaks(days: Sequence[Day], hit: Callable[[Day], bool]) -> list[list[Day]]:
    """Runs of consecutive check-ins (at most MAX_GAP_DAYS apart) for which `hit` holds."""
    runs: list[list[Day]] = []
    current: list[Day] = []
    for day in days:
        if hit(day) and (not current or (day.date - current[-1].date).days <= MAX_GAP_DAYS):
            current.append(day)
        elif hit(day):
            runs.append(current)
            current = [day]
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [r for r in runs if r]


def ran(day: Day) -> bool:
    """The athlete ran (as prescribed, or modified)."""
    return day.session_done in {"as_prescribed", "modified"}
