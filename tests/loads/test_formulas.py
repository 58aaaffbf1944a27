"""The load formulas against worked examples from their sources (domain.md §5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loads import analytics


def test_session_rpe_load_foster_2001():
    # Foster et al. 2001: a 30-minute session rated 5 ("hard") on CR-10 = 150 AU.
    assert analytics.session_load(5, 30) == 150
    assert analytics.session_load(6, 60) == 360
    assert analytics.session_load(None, 45) is None  # effort not reported: no load invented


def test_ewma_decay_williams_2017():
    # Williams et al. 2017: lambda = 2 / (N + 1): 0.25 for 7 days, 2/29 = 0.0690 for 28.
    assert analytics.ewma_lambda(7) == 0.25
    assert analytics.ewma_lambda(28) == pytest.approx(0.0690, abs=1e-4)
    # EWMA_today = load x lambda + (1 - lambda) x EWMA_yesterday, from 0:
    # day 1: 400 x 0.25 = 100; day 2: 0 + 0.75 x 100 = 75; day 3: 200 x .25 + .75 x 75 = 106.25
    assert analytics.ewma([400, 0, 200], 7) == [100, 75, 106.25]


def test_ewma_acwr_of_a_steady_load_tends_to_one_and_a_spike_lifts_it():
    steady = [300.0] * 120
    assert analytics.acwr(steady)[-1] == pytest.approx(1.0, abs=0.01)
    # The first day of load: acute 0.25 L over chronic 0.069 L = 3.63 (why the page waits for
    # 28 days before it shows the ratio).
    assert analytics.acwr([300.0])[0] == pytest.approx(0.25 / (2 / 29), abs=0.01)
    spiked = steady + [900.0] * 7
    assert analytics.acwr(spiked)[-1] > 1.5  # Gabbett's "danger zone" on a tripled week
    assert analytics.acwr([0.0, 0.0])[-1] is None


def test_monotony_and_strain_foster_1998():
    # A week of 100, 200, 300, 100, 200, 300, 200 AU: weekly load 1400, mean 200, SD 75.59
    # (population SD of the seven days), monotony 2.65, strain 1400 x 2.65 = 3704.
    week = [100, 200, 300, 100, 200, 300, 200]
    assert analytics.monotony(week) == pytest.approx(2.6458, abs=1e-4)
    assert analytics.strain(week) == pytest.approx(3704.1, abs=0.1)
    # Hard days and rest days (Foster's recommended pattern) keep monotony low.
    assert analytics.monotony([500, 0, 500, 0, 500, 0, 0]) == pytest.approx(0.866, abs=1e-3)
    assert analytics.monotony([300] * 7) is None  # no variation: undefined, not infinite


def test_weeks_add_volume_by_activity_and_impact_minutes():
    monday = date(2026, 11, 23)
    days = [analytics.Day(monday + timedelta(n)) for n in range(7)]
    days[0].run_minutes, days[0].planned_run_minutes, days[0].rpe = 20, 20.0, 4
    days[2].run_minutes, days[2].planned_run_minutes, days[2].rpe = 30, 25.0, 5
    days[2].walk_minutes, days[4].cross_minutes, days[4].rpe = 10, 40, 3
    days[2].distance_km = 4.5
    days[5].plyometric_minutes = 10
    (week,) = analytics.weeks(days)
    assert (week.run_minutes, week.planned_run_minutes) == (50, 45)
    assert (week.walk_minutes, week.cross_minutes, week.distance_km) == (10, 40, 4.5)
    assert week.impact_minutes == 60  # running + plyometric
    assert week.load == 20 * 4 + (30 + 10) * 5 + 40 * 3  # 400 AU
    assert week.monotony == pytest.approx(analytics.monotony([80, 0, 200, 0, 120, 0, 0]))
