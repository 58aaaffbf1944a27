"""The prescription engine: what an athlete should do on a day, and how steps progress.

Plain functions over plain values, so every rule is unit- and property-tested:

- `weekly_pattern`: which days of a stage are session days (walking or running), strength,
  cross-training or rest; with `no_back_to_back` session days are never consecutive, also
  across week boundaries [F:28][F:29].
- `progress`: one session outcome moves the step state. A step advances after its number of
  pain-free completions [F:29] (each step says how many); a painful session holds the step
  (completions start again); a second painful session in a row steps back one [F:30][F:31].
  Steps move at most one place per session, and never across stages: changing stage is a
  clinician's decision.
- `step_outcome`: the one rule for which days count. Only a day whose prescription was the
  stage's session (its walking or walk-run step) can complete, hold or step back a step; a
  strength, cross-training or rest day never moves the ladder, whatever was ticked [F:29].
- `replay_days`: the state from a stage's recorded days (idempotent: editing a check-in and
  replaying gives the same answer), each day judged by `step_outcome` against what that day
  prescribed, including the session skipped after pain that lasted to the next day [F:28].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

SESSION = "session"
STRENGTH = "strength"
CROSS_TRAINING = "cross_training"
REST = "rest"

PAIN_FREE = "pain_free"
PAINFUL = "painful"
NEXT_DAY_PAIN = "next_day_pain"
MODIFIED = "modified"
SKIPPED = "skipped"
HOLDING_OUTCOMES = frozenset({PAINFUL, NEXT_DAY_PAIN})
OUTCOMES = frozenset({PAIN_FREE, PAINFUL, NEXT_DAY_PAIN, MODIFIED, SKIPPED})

# Painful sessions in a row at one step before it steps back one [F:30][F:31].
FAILURES_TO_STEP_BACK = 2


def session_day(day_index: int, *, sessions_per_week: int, no_back_to_back: bool) -> bool:
    """Whether day `day_index` (0 = the stage's first day) is a session day."""
    if day_index < 0 or sessions_per_week <= 0:
        return False
    week_start = day_index - day_index % 7
    if no_back_to_back:
        # Alternate days counted from the stage start, so never two in a row, even across weeks.
        if day_index % 2:
            return False
        earlier = sum(1 for d in range(week_start, day_index) if d % 2 == 0)
        return earlier < sessions_per_week
    offsets = [0, 2, 4, 6, 1, 3, 5][: min(sessions_per_week, 7)]
    return day_index % 7 in offsets


def weekly_pattern(
    week_index: int,
    *,
    sessions_per_week: int,
    no_back_to_back: bool,
    rest_days: int,
    has_strength: bool,
    has_cross_training: bool,
) -> list[str]:
    """The kind of each of the 7 days of week `week_index` of a stage."""
    days = [week_index * 7 + offset for offset in range(7)]
    kinds = [
        SESSION
        if session_day(d, sessions_per_week=sessions_per_week, no_back_to_back=no_back_to_back)
        else ""
        for d in days
    ]
    free = [i for i, kind in enumerate(kinds) if not kind]
    for i in free[len(free) - min(rest_days, len(free)) :]:
        kinds[i] = REST
    alternate = [
        k
        for k, wanted in ((STRENGTH, has_strength), (CROSS_TRAINING, has_cross_training))
        if wanted
    ]
    n = 0
    for i, kind in enumerate(kinds):
        if not kind:
            kinds[i] = alternate[n % len(alternate)] if alternate else REST
            n += 1
    return kinds


def day_kind(
    day: date,
    *,
    stage_start: date,
    sessions_per_week: int,
    no_back_to_back: bool,
    rest_days: int,
    has_strength: bool,
    has_cross_training: bool,
) -> str:
    index = (day - stage_start).days
    if index < 0:
        raise ValueError("the day is before the stage started")
    pattern = weekly_pattern(
        index // 7,
        sessions_per_week=sessions_per_week,
        no_back_to_back=no_back_to_back,
        rest_days=rest_days,
        has_strength=has_strength,
        has_cross_training=has_cross_training,
    )
    return pattern[index % 7]


@dataclass(frozen=True)
class StepState:
    index: int = 0  # position of the current step in the stage's ladder
    completions: int = 0  # pain-free completions at this step
    failures: int = 0  # painful sessions in a row at this step


def progress(state: StepState, outcome: str, *, completions_needed: Sequence[int]) -> StepState:
    """The step state after one session outcome. `completions_needed[i]` is step i's count."""
    last = len(completions_needed) - 1
    if last < 0:
        raise ValueError("a stage needs at least one step")
    if outcome == PAIN_FREE:
        completions = state.completions + 1
        if completions >= completions_needed[state.index] and state.index < last:
            return StepState(index=state.index + 1)
        return replace(state, completions=completions, failures=0)
    if outcome in HOLDING_OUTCOMES:
        failures = state.failures + 1
        if failures >= FAILURES_TO_STEP_BACK and state.index > 0:
            return StepState(index=state.index - 1)
        return StepState(index=state.index, completions=0, failures=failures)
    if outcome in {MODIFIED, SKIPPED}:
        return state
    raise ValueError(f"unknown outcome {outcome!r}")


def replay(
    outcomes: Iterable[str], *, start_index: int, completions_needed: Sequence[int]
) -> StepState:
    state = StepState(index=min(max(start_index, 0), len(completions_needed) - 1))
    for outcome in outcomes:
        state = progress(state, outcome, completions_needed=completions_needed)
    return state


def step_outcome(prescribed: str, reported: str | None) -> str | None:
    """What one day does to the step ladder: the reported outcome, or None when it cannot move it.

    `prescribed` is the day's prescription kind (SESSION, STRENGTH, CROSS_TRAINING, REST, or a
    plan state such as "not_started"). A completion, a hold and a step back all need a day whose
    prescription was the stage's session: "as prescribed" on a strength or cross-training day
    is that day's work done, not a run [F:29][F:28].
    """
    if reported is None or prescribed != SESSION:
        return None
    if reported not in OUTCOMES:
        raise ValueError(f"unknown outcome {reported!r}")
    return reported


# How far ahead to look for the session that pain lasting overnight cancels (a stage week).
_SKIP_SEARCH_DAYS = 7


def skipped_session_after(pain_day: date, kind_of: Callable[[date], str]) -> date | None:
    """The first session day after `pain_day`: skipped when pain lasted to the next day [F:28]."""
    for offset in range(1, _SKIP_SEARCH_DAYS + 1):
        day = pain_day + timedelta(days=offset)
        if kind_of(day) == SESSION:
            return day
    return None


def replay_days(
    logged: Iterable[tuple[date, str]],
    *,
    kind_of: Callable[[date], str],
    start_index: int,
    completions_needed: Sequence[int],
) -> StepState:
    """The step state from a stage's logged days (in date order), each judged by `step_outcome`.

    `kind_of(day)` is the stage pattern's prescription for a day; the session after one whose
    pain lasted overnight was prescribed as rest, so it counts for nothing either.
    """
    state = StepState(index=min(max(start_index, 0), len(completions_needed) - 1))
    skipped: date | None = None
    for day, reported in logged:
        prescribed = REST if day == skipped else kind_of(day)
        outcome = step_outcome(prescribed, reported)
        if outcome is None:
            continue
        state = progress(state, outcome, completions_needed=completions_needed)
        if outcome == NEXT_DAY_PAIN:
            skipped = skipped_session_after(day, kind_of)
    return state
