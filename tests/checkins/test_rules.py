"""Every rule at and around its thresholds (fires at the boundary, not one step before).

What a physio expects of the warning signs, written before the rules (issue 14):

- An athlete who follows the plan perfectly with no symptoms (each day exactly the session
  prescribed, walk-run steps lengthening as the plan says, pain 0, nothing tender): nothing,
  ever, from the first stage to graduation. Progression the physio prescribed is not a load
  spike (tests/checkins/test_plan_follower.py replays every library template).
- One who misses a day: nothing for the missed day itself (a reminder is enough); the next
  check-in is compared with the latest one before the gap, so a missed day hides nothing
  (next-morning pain 0, no check-in, 6 is a rise). Three whole days without a check-in (not
  counting today, which is not over) tell the care team, a week is low.
- One who reports late (yesterday's check-in entered today, or a week of check-ins evaluated
  after a worker outage): each is judged on its own day's terms, as if evaluated on time, and
  raises the flag it would have raised then.
- One whose symptom never clears ("same" focal tenderness day after day in a running stage,
  swelling on three check-ins in a row): a flag, because running started on the condition that
  focal tenderness had gone (domain.md §3.1 [F:22]); reporting it as "same" must not hide it.
- Not reported is missing data, never a value: no sleep reported is not a short night, no
  fatigue reported is not tiredness.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkins.warning_signs import rules
from checkins.warning_signs.rules import Context, Day

D0 = date(2026, 3, 1)


def day(n: int, **values) -> Day:
    return Day(date=D0 + timedelta(days=n), **values)


def ctx(n: int = 30, **values) -> Context:
    return Context(as_of=D0 + timedelta(days=n), **values)


def run(code: str, days, context=None, **params):
    rule = rules.RULES[code]
    return rule.check(
        sorted(days, key=lambda d: d.date), context or ctx(), {**rules.defaults(rule), **params}
    )


# --- new_focal_tenderness ------------------------------------------------------------------------


def test_tenderness_reported_new_fires_high():
    found = run("new_focal_tenderness", [day(0), day(1, focal_tenderness="new")])
    assert [(f.day, f.severity) for f in found] == [(D0 + timedelta(days=1), "high")]


def test_same_tenderness_continuing_does_not_fire():
    assert run("new_focal_tenderness", [day(i, focal_tenderness="same") for i in range(10)]) == []


@pytest.mark.parametrize(("quiet", "fires"), [(6, False), (7, True), (8, True)])
def test_tenderness_back_after_seven_days_without(quiet, fires):
    days = [
        day(0, focal_tenderness="same"),
        *[day(i) for i in range(1, quiet + 1)],
        day(quiet + 1, focal_tenderness="same"),
    ]
    assert bool(run("new_focal_tenderness", days)) is fires


def test_tenderness_back_counts_from_the_first_check_in_when_none_was_tender():
    assert run("new_focal_tenderness", [day(0), day(6, focal_tenderness="same")]) == []
    assert len(run("new_focal_tenderness", [day(0), day(7, focal_tenderness="same")])) == 1


def test_a_first_ever_check_in_with_same_tenderness_is_not_new():
    assert run("new_focal_tenderness", [day(0, focal_tenderness="same")]) == []


# --- night_pain, pain_with_walking, groin_pain ---------------------------------------------------


@pytest.mark.parametrize(("rest", "fires"), [(2, False), (3, True), (4, True)])
def test_rest_pain_boundary(rest, fires):
    found = run("night_pain", [day(0, pain_rest=rest)])
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "urgent"


def test_night_pain_fires_urgent_whatever_the_rest_pain():
    assert run("night_pain", [day(0, night_pain=True)])[0].severity == "urgent"


def test_pain_with_walking_and_groin_pain():
    assert run("pain_with_walking", [day(0, pain_with_walking=True)])[0].severity == "high"
    assert run("pain_with_walking", [day(0)]) == []
    found = run("groin_pain", [day(0, groin_pain=True)], ctx(hip_history=True))
    assert found[0].severity == "urgent" and found[0].evidence[0]["hip_history"] is True


# --- run_pain -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain", "severity"), [(2, None), (3, "low"), (4, "low"), (5, "high"), (9, "high")]
)
def test_run_pain_boundaries(pain, severity):
    found = run("run_pain", [day(0, session_done="as_prescribed", pain_during=pain, pain_after=0)])
    assert (found[0].severity if found else None) == severity


def test_run_pain_counts_pain_after_too_and_needs_a_session():
    assert run("run_pain", [day(0, session_done="modified", pain_during=0, pain_after=3)])
    assert (
        run("run_pain", [day(0, session_done="rest_day", pain_during=None, pain_after=None)]) == []
    )


def test_run_pain_with_a_clinic_threshold():
    assert run("run_pain", [day(0, session_done="as_prescribed", pain_during=3)], limit=3) == []
    assert run("run_pain", [day(0, session_done="as_prescribed", pain_during=4)], limit=3)


# --- next_morning_pain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "fires"), [(0, 1, False), (0, 2, True), (1, 2, False), (1, 3, True)]
)
def test_next_morning_rise_boundary(before, after, fires):
    assert (
        bool(
            run(
                "next_morning_pain",
                [day(0, pain_next_morning=before), day(1, pain_next_morning=after)],
            )
        )
        is fires
    )


@pytest.mark.parametrize(("a", "b", "fires"), [(1, 2, False), (2, 2, True), (2, 1, False)])
def test_next_morning_pain_lasting_two_mornings(a, b, fires):
    assert (
        bool(run("next_morning_pain", [day(0, pain_next_morning=a), day(1, pain_next_morning=b)]))
        is fires
    )


def test_next_morning_pain_compares_with_the_latest_report_within_three_days():
    assert run("next_morning_pain", [day(0, pain_next_morning=5)]) == []  # no baseline
    # 0, no check-in, 6: the missed day does not hide the rise.
    found = run("next_morning_pain", [day(0, pain_next_morning=0), day(2, pain_next_morning=6)])
    assert [f.day for f in found] == [D0 + timedelta(days=2)]
    assert found[0].evidence == [
        {"date": D0.isoformat(), "pain_next_morning": 0},
        {"date": (D0 + timedelta(days=2)).isoformat(), "pain_next_morning": 6},
    ]
    assert run("next_morning_pain", [day(0, pain_next_morning=0), day(3, pain_next_morning=6)])
    # Four days back is no longer a baseline.
    assert (
        run("next_morning_pain", [day(0, pain_next_morning=0), day(4, pain_next_morning=6)]) == []
    )


def test_next_morning_pain_baseline_window_is_the_clinics():
    days = [day(0, pain_next_morning=0), day(4, pain_next_morning=6)]
    assert run("next_morning_pain", days, baseline_days=4)


# --- persistent_focal_tenderness ------------------------------------------------------------------

RUNNING = {"running_stage": True, "stage_started_on": D0}


@pytest.mark.parametrize(("count", "fires"), [(2, False), (3, True), (5, True)])
def test_same_tenderness_on_three_check_ins_in_a_running_stage(count, fires):
    days = [day(i, focal_tenderness="same") for i in range(count)]
    found = run("persistent_focal_tenderness", days, ctx(count, **RUNNING))
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "high" and found[0].day == D0 + timedelta(days=2)
        assert len(found[0].evidence) == 3
    # The other tenderness rule stays quiet: "same" is never new.
    assert run("new_focal_tenderness", days) == []


def test_tenderness_counts_over_a_week_not_only_in_a_row():
    days = [day(0, focal_tenderness="same"), day(1), day(3, focal_tenderness="same"), day(4)]
    days.append(day(6, focal_tenderness="same"))
    assert run("persistent_focal_tenderness", days, ctx(6, **RUNNING))
    spread = [day(0, focal_tenderness="same"), day(4, focal_tenderness="same")]
    spread.append(day(7, focal_tenderness="same"))  # three in 8 days: outside the 7-day window
    assert run("persistent_focal_tenderness", spread, ctx(7, **RUNNING)) == []


def test_tenderness_outside_a_running_stage_is_left_to_the_stage_criteria():
    days = [day(i, focal_tenderness="same") for i in range(5)]
    assert run("persistent_focal_tenderness", days, ctx(5)) == []  # protection, walking
    # Only check-ins since the running stage began count.
    later = {"running_stage": True, "stage_started_on": D0 + timedelta(days=3)}
    assert run("persistent_focal_tenderness", days, ctx(5, **later)) == []


# --- persistent_swelling (streaks) --------------------------------------------------------------------


@pytest.mark.parametrize(("count", "fires"), [(2, False), (3, True)])
def test_swelling_streak_boundary(count, fires):
    days = [day(i, swelling="mild") for i in range(count)]
    found = run("persistent_swelling", days)
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "low"
        assert len(found[0].evidence) == 3


def test_swelling_streak_is_high_when_moderate_or_worse():
    found = run(
        "persistent_swelling",
        [day(0, swelling="mild"), day(1, swelling="moderate"), day(2, swelling="mild")],
    )
    assert found[0].severity == "high"


def test_a_streak_runs_across_one_missing_day():
    days = [
        day(0, swelling="mild"),
        day(1, swelling="mild"),
        day(3, swelling="mild"),
    ]  # day 2 missed
    assert len(run("persistent_swelling", days)) == 1


def test_a_streak_breaks_after_two_missing_days_or_a_day_without():
    assert (
        run(
            "persistent_swelling",
            [day(0, swelling="mild"), day(1, swelling="mild"), day(4, swelling="mild")],
        )
        == []
    )
    assert (
        run(
            "persistent_swelling",
            [day(0, swelling="mild"), day(1), day(2, swelling="mild"), day(3, swelling="mild")],
        )
        == []
    )


def test_streaks_helper():
    days = [
        day(0, confidence=2),
        day(1, confidence=2),
        day(3, confidence=2),
        day(6, confidence=2),
        day(7, confidence=9),
    ]
    runs = rules.streaks(days, lambda d: d.confidence <= 3)
    assert [len(r) for r in runs] == [3, 1]


# --- load_spike ------------------------------------------------------------------------------------------


def rx(n: int, run_minutes: int, prescribed: float | None, kind: str = "session", **values) -> Day:
    """A day with its prescription: `prescribed` running minutes of a session."""
    values.setdefault("session_done", "as_prescribed" if run_minutes else "rest_day")
    return day(
        n,
        run_minutes=run_minutes,
        prescribed_kind=kind,
        prescribed_run_minutes=prescribed,
        **values,
    )


def test_following_the_prescription_is_never_a_spike():
    # Walk-run 5 -> 6 -> 10 min, then continuous 15 -> 20 -> 25: every step more than 10 %
    # over the last, each exactly as prescribed.
    steps = [5, 5, 6, 6, 10, 10, 15, 15, 20, 20, 25, 25]
    days = [rx(2 * i, m, m) for i, m in enumerate(steps)]
    days += [rx(2 * i + 1, 0, None, kind="strength") for i in range(len(steps))]
    assert run("load_spike", days, ctx(30, weekly_run_cap=120)) == []


@pytest.mark.parametrize(
    ("ran", "fires"), [(22, False), (23, True)]
)  # 20 prescribed: +10 % is allowed, +11 % is not (rounded minutes: 22 = +10 %, 23 = +15 %)
def test_a_run_over_the_prescription_by_more_than_the_tolerance(ran, fires):
    found = run("load_spike", [rx(0, ran, 20)])
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "low"
        assert found[0].evidence == [
            {"date": D0.isoformat(), "run_minutes": ran, "prescribed_run_minutes": 20.0}
        ]


def test_a_run_11_percent_over_the_prescription_fires():
    assert not run("load_spike", [rx(0, 110, 100)])  # +10 %
    found = run("load_spike", [rx(0, 111, 100)])  # +11 %
    assert [f.day for f in found] == [D0] and "100 min prescribed" in found[0].summary


def test_the_tolerance_is_the_clinics():
    assert run("load_spike", [rx(0, 111, 100)], tolerance_pct=15) == []
    assert run("load_spike", [rx(0, 103, 100)], tolerance_pct=0)


@pytest.mark.parametrize("kind", ["rest", "strength", "cross_training", "paused", "not_started"])
def test_any_run_on_a_day_with_no_running_prescribed(kind):
    found = run("load_spike", [rx(0, 5, None, kind=kind)])
    assert found and "no running prescribed" in found[0].summary
    assert run("load_spike", [rx(0, 0, None, kind=kind)]) == []


def test_running_on_a_walking_session_is_running_not_prescribed():
    assert run("load_spike", [rx(0, 4, 0)])  # a brisk-walk step: 0 running minutes
    assert run("load_spike", [rx(0, 0, 0)]) == []


def test_running_less_than_prescribed_is_no_spike():
    assert run("load_spike", [rx(0, 14, 20, session_done="modified")]) == []


def test_unknown_prescription_is_not_judged_against_one():
    assert run("load_spike", [day(0, run_minutes=60)]) == []


def free(n: int, minutes: int) -> Day:
    """A run with no prescription: the plan has graduated (unrestricted running)."""
    return rx(n, minutes, None, kind="finished")


def test_single_run_spike_boundary_once_running_is_unrestricted():
    base = [free(i, 20) for i in (0, 2, 4)]
    assert run("load_spike", [*base, free(6, 22)]) == []  # exactly +10%: not above
    found = run("load_spike", [*base, free(6, 23)])
    assert found and found[0].evidence[0]["longest_30_days"] == 20


def test_the_free_running_rule_does_not_judge_a_plan_day():
    base = [free(i, 20) for i in (0, 2, 4)]
    assert run("load_spike", [*base, rx(6, 40, 40)]) == []  # prescribed 40: as planned


def test_no_plan_at_all_counts_as_unrestricted():
    base = [day(i, run_minutes=20) for i in (0, 2, 4)]
    assert run("load_spike", [*base, day(6, run_minutes=30)], ctx(unrestricted_running=True))


def test_single_run_spike_waits_for_a_baseline_of_runs():
    assert run("load_spike", [free(0, 10), free(2, 10), free(4, 40)]) == []
    assert run("load_spike", [free(0, 10), free(2, 10), free(3, 10), free(4, 40)])


def test_only_the_last_30_days_count_for_the_longest_run():
    days = [free(0, 60), free(31, 20), free(33, 20), free(35, 20), free(37, 30)]
    assert any(f.day == D0 + timedelta(days=37) for f in run("load_spike", days))


def test_two_week_volume_rise():
    steady = [free(i, 20) for i in range(0, 14, 2)]  # 140 min in the first 2 weeks
    rise = [free(i, 26) for i in range(15, 29, 2)]  # 182 min: +30% exactly
    assert not any(
        "Two weeks" in f.summary for f in run("load_spike", steady + rise, single_pct=50)
    )
    more = [free(i, 27) for i in range(15, 29, 2)]  # 189 min: +35%
    assert any("Two weeks" in f.summary for f in run("load_spike", steady + more, single_pct=50))


def test_two_week_comparison_waits_for_four_weeks_of_data():
    steady = [free(i, 20) for i in range(1, 14, 2)]  # starts on day 1: only 27 days of data
    more = [free(i, 40) for i in range(15, 29, 2)]
    assert not any(
        "Two weeks" in f.summary for f in run("load_spike", steady + more, single_pct=50)
    )


def test_over_the_stage_weekly_cap():
    days = [rx(i, 30, 30) for i in range(0, 7, 2)]  # 120 min in 7 days, each as prescribed
    found = run("load_spike", days, ctx(7, weekly_run_cap=100))
    assert [f.day for f in found if "cap" in f.summary] == [D0 + timedelta(days=6)]
    assert run("load_spike", days, ctx(7, weekly_run_cap=120)) == []


def test_the_weekly_cap_counts_the_current_stage_only():
    days = [rx(i, 30, 30) for i in range(0, 7, 2)]
    # A regression to a stage capped at 60 on day 5: the week run before it does not count.
    assert (
        run("load_spike", days, ctx(7, weekly_run_cap=60, stage_started_on=D0 + timedelta(5))) == []
    )


# --- poor_sleep, high_fatigue, low_energy_signs, low_confidence ---------------------------------------------


@pytest.mark.parametrize(("short_nights", "fires"), [(2, False), (3, True)])
def test_poor_sleep_three_of_seven(short_nights, fires):
    days = [day(i, sleep_hours=6.5 if i < short_nights else 8) for i in range(7)]
    days = sorted(days, key=lambda d: (d.sleep_hours >= 8, d.date))
    found = run("poor_sleep", days)
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "info"


def test_poor_sleep_adolescent_target_is_eight_hours():
    days = [day(i, sleep_hours=7.5) for i in range(3)]
    assert run("poor_sleep", days) == []
    assert run("poor_sleep", days, ctx(adolescent=True))


def test_seven_hours_is_enough_for_an_adult():
    assert run("poor_sleep", [day(i, sleep_hours=7) for i in range(7)]) == []


@pytest.mark.parametrize(("tired", "fires"), [(2, False), (3, True)])
def test_high_fatigue_three_of_five(tired, fires):
    days = [day(i, fatigue=7 if i >= 5 - tired else 4) for i in range(5)]
    assert bool(run("high_fatigue", days)) is fires


def test_fatigue_six_is_below_the_level():
    assert run("high_fatigue", [day(i, fatigue=6) for i in range(5)]) == []


def test_missed_period_or_under_fuelling():
    assert run("low_energy_signs", [day(0, menstrual_status="missed")])[0].severity == "low"
    assert (
        run("low_energy_signs", [day(i, fuelling_adequate=i % 2 == 0) for i in range(5)]) == []
    )  # 2 of 7
    assert run("low_energy_signs", [day(i, fuelling_adequate=False) for i in range(3)])


@pytest.mark.parametrize(("level", "fires"), [(3, True), (4, False)])
def test_low_confidence_three_in_a_row(level, fires):
    assert bool(run("low_confidence", [day(i, confidence=level) for i in range(3)])) is fires
    assert (
        run(
            "low_confidence",
            [
                day(0, confidence=2),
                day(1, confidence=2),
                day(2, confidence=8),
                day(3, confidence=2),
            ],
        )
        == []
    )


# --- missed_checkins (time-based) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("whole_days", "severities"),
    [(2, []), (3, ["info"]), (6, ["info"]), (7, ["info", "low"])],
)
def test_missed_checkins_counts_whole_days_without(whole_days, severities):
    # A check-in on day 0, none since; today is day whole_days + 1 (today is not over).
    found = run("missed_checkins", [day(0)], ctx(whole_days + 1, plan_start=D0))
    assert [f.severity for f in found] == severities
    if found:
        assert found[0].day == D0 + timedelta(days=3)  # the third missed day


def test_today_is_not_missed_while_it_lasts():
    # Check-in on day 0; days 1 and 2 missed; today (day 3) just after midnight: not yet 3.
    assert run("missed_checkins", [day(0)], ctx(3, plan_start=D0)) == []
    # A plan started 3 days ago, no check-in yet: 3 whole days (start, +1, +2) before today.
    assert run("missed_checkins", [], ctx(3, plan_start=D0))
    assert run("missed_checkins", [], ctx(2, plan_start=D0)) == []


def test_missed_checkins_between_two_check_ins_and_not_on_paused_plans():
    found = run("missed_checkins", [day(0), day(4)], ctx(4, plan_start=D0))
    assert [f.day for f in found] == [D0 + timedelta(days=3)]
    assert run("missed_checkins", [day(0), day(3)], ctx(3, plan_start=D0)) == []
    assert run("missed_checkins", [day(0)], ctx(10, plan_start=D0, plan_active=False)) == []


# --- not reported is missing data --------------------------------------------------------------------------


def test_subjective_answers_not_reported_raise_nothing():
    days = [
        day(i, sleep_hours=None, fatigue=None, confidence=None, fuelling_adequate=None)
        for i in range(7)
    ]
    for code in ("poor_sleep", "high_fatigue", "low_confidence", "low_energy_signs"):
        assert run(code, days) == [], code


def test_a_night_not_reported_neither_counts_nor_hides_short_nights():
    days = [day(0, sleep_hours=6), day(1, sleep_hours=None), day(2, sleep_hours=6)]
    assert run("poor_sleep", days) == []  # two short nights reported
    assert run("poor_sleep", [*days, day(3, sleep_hours=6)])


def test_confidence_not_reported_keeps_the_streak_of_those_reported():
    days = [day(0, confidence=2), day(1, confidence=None), day(2, confidence=2)]
    assert run("low_confidence", days) == []
    assert run("low_confidence", [*days, day(3, confidence=2)])


# --- the registry --------------------------------------------------------------------------------


def test_every_rule_of_the_design_is_registered_with_its_source():
    assert set(rules.RULES) == {
        "new_focal_tenderness",
        "night_pain",
        "pain_with_walking",
        "run_pain",
        "next_morning_pain",
        "persistent_swelling",
        "groin_pain",
        "load_spike",
        "persistent_focal_tenderness",
        "poor_sleep",
        "high_fatigue",
        "low_energy_signs",
        "low_confidence",
        "missed_checkins",
    }
    for rule in rules.RULES.values():
        assert rule.source and rule.explanation and rule.version >= 1
        for param in rule.params.values():
            assert param.low <= param.default <= param.high


def test_bounds_are_checked():
    rule = rules.RULES["run_pain"]
    assert rules.check_bounds(rule, {"limit": 2, "high_at": 5}) == {}
    errors = rules.check_bounds(rule, {"limit": 9})
    assert "limit" in errors and "between 1 and 4" in errors["limit"]


def test_a_disabled_rule_finds_nothing():
    days = [day(0, night_pain=True)]
    assert any(f.rule == "night_pain" for f in rules.evaluate(days, ctx()))
    assert not any(
        f.rule == "night_pain" for f in rules.evaluate(days, ctx(), {"night_pain": (False, {})})
    )
