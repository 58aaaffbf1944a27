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


def test_days_merge_check_ins_and_imports():
    day1, day2 = date(2026, 11, 2), date(2026, 11, 3)
    checkins = [
        {
            "patient_id": 1,
            "date": day1,
            "run_minutes": 20,
            "run_distance_km": None,
            "walk_minutes": 5,
            "cross_training_minutes": 0,
            "session_rpe": 4,
            "cadence": None,
            "prescribed_run_minutes": 20,
            "resting_hr": 50,
            "hrv_ms": 70,
        },
    ]
    imports = [  # day 1 has a check-in: its minutes stand, the file adds cadence and heart rate
        {
            "patient_id": 1,
            "local_date": day1,
            "moving_s": 1500,
            "run_s": None,
            "walk_s": None,
            "distance_m": 4000,
            "cadence_spm": 171,
            "avg_hr": 150,
            "device_rpe": 6,
            "checkin_id": 9,
        },
        {
            "patient_id": 1,
            "local_date": day2,
            "moving_s": 1800,
            "run_s": 1200,
            "walk_s": 600,
            "distance_m": 3000,
            "cadence_spm": 168,
            "avg_hr": 140,
            "device_rpe": 5,
            "checkin_id": None,
        },
    ]
    first, second = analytics._days(day1, day2, checkins, imports)
    assert (first.run_minutes, first.rpe, first.cadence, first.avg_hr) == (20, 4, 171, 150)
    assert first.load == 4 * 25
    assert (second.run_minutes, second.walk_minutes, second.distance_km) == (20, 10, 3.0)
    assert second.rpe == 5 and second.load == 5 * 30  # the watch's RPE when none was typed


@pytest.mark.django_db
def test_clinic_loads_give_each_patient_their_ratio_and_week(clinic, physio):
    from checkins.models import CheckIn
    from tests.checkins.factories import checkin_data
    from tests.patients.factories import make_patient

    today = date(2026, 11, 30)
    steady, idle = (
        make_patient(clinic=clinic, physio=physio),
        make_patient(clinic=clinic, physio=physio),
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            patient=steady,
            date=today - timedelta(n),
            **checkin_data(run_minutes=30, walk_minutes=0, session_rpe=5),
        )
        for n in range(56)
    )
    CheckIn.objects.create(
        patient=idle, date=today, **checkin_data(walk_minutes=0, session_rpe=None)
    )
    result = analytics.clinic_loads(clinic.pk, today)
    assert result[steady.pk].week_load == 7 * 150
    # 56 days of the same load from nothing: acute = L(1 - 0.75^56) ~ L, chronic =
    # L(1 - (27/29)^56) = 0.982 L: a ratio of 1.02 (the chronic EWMA is still converging).
    expected = (1 - 0.75**56) / (1 - (27 / 29) ** 56)
    assert result[steady.pk].acwr == round(expected, 2) == 1.02
    assert result[steady.pk].monotony is None  # the same load every day: no variation
    assert result[idle.pk].week_load == 0 and result[idle.pk].acwr is None
