"""The prescription engine over weeks of dates, and properties that hold for any outcomes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols import prescription as engine
from protocols.prescription import (
    NEXT_DAY_PAIN,
    PAIN_FREE,
    PAINFUL,
    SKIPPED,
    StepState,
    progress,
    replay,
)


def session_days(n_days: int, **kwargs) -> list[int]:
    return [d for d in range(n_days) if engine.session_day(d, **kwargs)]


@pytest.mark.parametrize("per_week", [1, 2, 3, 4])
def test_no_back_to_back_session_days_over_eight_weeks(per_week):
    days = session_days(56, sessions_per_week=per_week, no_back_to_back=True)
    assert all(b - a >= 2 for a, b in itertools.pairwise(days))
    for week in range(8):
        in_week = [d for d in days if week * 7 <= d < week * 7 + 7]
        assert len(in_week) <= per_week
        assert len(in_week) >= min(per_week, 3)  # alternate days give 4 or 3 a week


def test_alternate_day_pattern_of_three_a_week():
    assert session_days(14, sessions_per_week=3, no_back_to_back=True) == [0, 2, 4, 8, 10, 12]


def test_without_the_rule_sessions_fill_the_week():
    assert session_days(7, sessions_per_week=6, no_back_to_back=False) == [0, 1, 2, 3, 4, 6]
    assert session_days(7, sessions_per_week=7, no_back_to_back=False) == list(range(7))


def test_nothing_before_the_stage_starts():
    assert engine.session_day(-1, sessions_per_week=3, no_back_to_back=True) is False


def test_weekly_pattern_places_rest_strength_and_cross_training():
    week = engine.weekly_pattern(
        0,
        sessions_per_week=3,
        no_back_to_back=True,
        rest_days=1,
        has_strength=True,
        has_cross_training=True,
    )
    assert week == [
        "session",
        "strength",
        "session",
        "cross_training",
        "session",
        "strength",
        "rest",
    ]
    assert week.count("rest") == 1


def test_weekly_pattern_without_strength_or_cross_training_rests():
    week = engine.weekly_pattern(
        0,
        sessions_per_week=2,
        no_back_to_back=True,
        rest_days=0,
        has_strength=False,
        has_cross_training=False,
    )
    assert week.count("session") == 2
    assert set(week) == {"session", "rest"}


def test_day_kind_by_date_and_before_start():
    start = date(2026, 1, 5)
    kinds = [
        engine.day_kind(
            start + timedelta(days=i),
            stage_start=start,
            sessions_per_week=3,
            no_back_to_back=True,
            rest_days=1,
            has_strength=True,
            has_cross_training=True,
        )
        for i in range(7)
    ]
    assert kinds[0] == "session" and kinds[1] != "session"
    with pytest.raises(ValueError, match="before the stage"):
        engine.day_kind(
            start - timedelta(days=1),
            stage_start=start,
            sessions_per_week=3,
            no_back_to_back=True,
            rest_days=1,
            has_strength=True,
            has_cross_training=True,
        )


NEEDED = [2, 2, 3, 2]


def test_step_advances_after_the_required_pain_free_completions():
    state = StepState()
    state = progress(state, PAIN_FREE, completions_needed=NEEDED)
    assert state == StepState(index=0, completions=1)
    state = progress(state, PAIN_FREE, completions_needed=NEEDED)
    assert state == StepState(index=1)
    for _ in range(2):
        state = progress(state, PAIN_FREE, completions_needed=NEEDED)
    assert state.index == 2
    state = progress(
        progress(state, PAIN_FREE, completions_needed=NEEDED), PAIN_FREE, completions_needed=NEEDED
    )
    assert state == StepState(index=2, completions=2)  # step 3 needs three


def test_a_painful_session_holds_and_resets_completions():
    state = StepState(index=1, completions=1)
    state = progress(state, PAINFUL, completions_needed=NEEDED)
    assert state == StepState(index=1, completions=0, failures=1)


def test_two_painful_sessions_in_a_row_step_back_one():
    state = StepState(index=2)
    state = progress(state, PAINFUL, completions_needed=NEEDED)
    state = progress(state, NEXT_DAY_PAIN, completions_needed=NEEDED)
    assert state == StepState(index=1)


def test_a_pain_free_session_clears_the_failure_count():
    state = progress(StepState(index=2, failures=1), PAIN_FREE, completions_needed=NEEDED)
    assert state.failures == 0
    state = progress(state, PAINFUL, completions_needed=NEEDED)
    assert state.index == 2  # only one failure in a row now


def test_the_first_step_never_goes_below_zero_and_the_last_never_past_the_end():
    state = replay([PAINFUL] * 5, start_index=0, completions_needed=NEEDED)
    assert state.index == 0
    state = replay([PAIN_FREE] * 50, start_index=0, completions_needed=NEEDED)
    assert state.index == len(NEEDED) - 1


def test_skipped_and_modified_sessions_change_nothing():
    state = StepState(index=1, completions=1)
    assert progress(state, SKIPPED, completions_needed=NEEDED) == state
    assert progress(state, "modified", completions_needed=NEEDED) == state


def test_unknown_outcome_and_empty_stage_are_refused():
    with pytest.raises(ValueError, match="unknown outcome"):
        progress(StepState(), "great", completions_needed=NEEDED)
    with pytest.raises(ValueError, match="at least one step"):
        progress(StepState(), PAIN_FREE, completions_needed=[])


def test_replay_starts_where_the_stage_started():
    assert replay([], start_index=3, completions_needed=NEEDED).index == 3
    assert replay([PAIN_FREE], start_index=9, completions_needed=NEEDED).index == 3


OUTCOMES = st.sampled_from(["pain_free", "painful", "next_day_pain", "modified", "skipped"])


@given(
    outcomes=st.lists(OUTCOMES, max_size=60),
    needed=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=8),
    start=st.integers(min_value=0, max_value=7),
)
def test_property_a_step_never_moves_more_than_one_place(outcomes, needed, start):
    state = StepState(index=min(start, len(needed) - 1))
    for outcome in outcomes:
        after = progress(state, outcome, completions_needed=needed)
        assert abs(after.index - state.index) <= 1
        assert 0 <= after.index < len(needed)
        if outcome in {"painful", "next_day_pain"}:
            assert after.index <= state.index  # pain never moves a step forward
        if after.index > state.index:
            assert (
                state.completions + 1 >= needed[state.index]
            )  # only after enough pain-free sessions
        state = after


@given(
    outcomes=st.lists(OUTCOMES, max_size=40),
    needed=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=6),
)
def test_property_replay_is_deterministic(outcomes, needed):
    assert replay(outcomes, start_index=0, completions_needed=needed) == replay(
        list(outcomes), start_index=0, completions_needed=needed
    )


@given(
    per_week=st.integers(min_value=1, max_value=4), start=st.integers(min_value=0, max_value=400)
)
def test_property_no_two_session_days_in_a_row(per_week, start):
    days = [
        d
        for d in range(start, start + 70)
        if engine.session_day(d, sessions_per_week=per_week, no_back_to_back=True)
    ]
    assert all(b - a >= 2 for a, b in itertools.pairwise(days))
