"""Every figure read from real FIT, GPX and TCX files the tests write, against what was written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loads import parsing
from tests.loads.samples import LapSpec, Run, fit_file, gpx_file, tcx_file, walk_run_fit


def test_a_fit_run_gives_every_figure_of_the_session():
    run = Run(laps=[LapSpec(1800, 5400.0, 86, 0.5)], pause_s=75, rpe_x10=60)
    session = parsing.parse(fit_file(run))
    assert session.file_format == "fit" and session.sport == "running" and session.is_run
    assert session.started_at == "2026-11-30T07:05:00+00:00"
    assert session.moving_s == 1800 and session.elapsed_s == 1875
    assert session.distance_m == 5400.0
    assert (session.avg_hr, session.max_hr) == (148, 171)
    # FIT stores strides/min with a 1/128 fraction: 2 x (86 + 0.5) = 173 steps/min
    assert session.cadence_spm == 173.0
    assert session.max_cadence_spm == 184.0  # 2 x 92
    assert session.stance_time_ms == pytest.approx(251.3)
    assert session.vertical_oscillation_mm == pytest.approx(84.6)
    assert session.step_length_mm == pytest.approx(1043.0)
    assert session.device_rpe == 6.0  # workout_rpe 60 = RPE 6 x 10
    assert session.has_gps is True
    assert [lap.kind for lap in session.laps] == ["run"]
    assert parsing.walk_run(session.laps) is None


def test_walk_run_intervals_are_recognised_from_the_laps():
    _run, data = walk_run_fit(intervals=4, run_s=240, walk_s=60)
    session = parsing.parse(data)
    assert [lap.kind for lap in session.laps] == ["run", "walk"] * 4
    assert parsing.walk_run(session.laps) == {"run_s": 960, "walk_s": 240, "intervals": 4}


def test_a_treadmill_file_without_gps_still_gives_time_and_cadence():
    run = Run(gps=False, sub_sport=1, laps=[LapSpec(1200, 3000.0, 85)], pause_s=0, rpe_x10=None)
    session = parsing.parse(fit_file(run))
    assert session.has_gps is False and session.sub_sport == "treadmill"
    assert session.moving_s == 1200 and session.cadence_spm == 170.0
    assert session.device_rpe is None


def test_a_gpx_run_gives_time_distance_heart_rate_and_cadence():
    start = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    session = parsing.parse(gpx_file(start, 1800, 5000.0, hr=152, strides=86))
    assert session.file_format == "gpx" and session.is_run
    assert session.started_at == "2026-11-30T06:30:00+00:00"
    assert session.elapsed_s == 1800 and session.moving_s == 1800
    assert session.distance_m == pytest.approx(5000.0, rel=0.002)
    assert (session.avg_hr, session.max_hr) == (152, 152)
    assert session.cadence_spm == 172.0  # gpxtpx:cad 86 strides/min
    assert session.has_gps


def test_a_tcx_run_gives_laps_heart_rate_and_run_cadence():
    start = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    data = tcx_file(start, [(240, 624.0, 84), (60, 84.0, 56), (240, 624.0, 84)], hr=141)
    session = parsing.parse(data)
    assert session.file_format == "tcx" and session.is_run
    assert session.started_at == "2026-11-30T18:00:00+00:00"
    assert session.moving_s == 540 and session.distance_m == 1332.0
    assert (session.avg_hr, session.max_hr) == (141, 141)
    assert [lap.cadence_spm for lap in session.laps] == [168.0, 112.0, 168.0]
    assert parsing.walk_run(session.laps) == {"run_s": 480, "walk_s": 60, "intervals": 2}


def test_a_tcx_treadmill_run_without_positions():
    start = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    session = parsing.parse(tcx_file(start, [(600, 1500.0, 85)], gps=False))
    assert session.has_gps is False and session.moving_s == 600 and session.cadence_spm == 170.0


def test_another_sport_is_read_as_that_sport():
    assert parsing.parse(fit_file(Run(sport=2))).sport == "cycling"
    start = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert parsing.parse(gpx_file(start, 600, 4000.0, sport="cycling")).sport == "cycling"
    assert parsing.parse(tcx_file(start, [(600, 4000.0, 80)], sport="Biking")).sport == "biking"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[:-40],  # cut short
        lambda d: d[:200] + bytes([d[200] ^ 0xFF]) + d[201:],  # a flipped byte: CRC fails
    ],
)
def test_a_corrupt_fit_file_is_refused_with_a_clear_message(damage):
    with pytest.raises(parsing.RunFileError, match="damaged or incomplete"):
        parsing.parse(damage(fit_file(Run())))


def test_corrupt_xml_and_entity_declarations_are_refused():
    start = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    with pytest.raises(parsing.RunFileError, match="damaged"):
        parsing.parse(gpx_file(start, 600, 1000.0)[:-30])
    bomb = b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>'
    with pytest.raises(parsing.RunFileError, match="entities"):
        parsing.parse(bomb)


def test_sniffing_tells_the_formats_and_archives_apart():
    assert parsing.sniff(fit_file(Run())[:64]) == "fit"
    assert parsing.sniff(b"\x1f\x8b\x08\x00rest") == "compressed"
    assert parsing.sniff(b"PK\x03\x04rest") == "compressed"
    assert parsing.sniff(b"%PDF-1.7") is None
