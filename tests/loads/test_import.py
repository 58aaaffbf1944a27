"""Importing run files through the service and the pages: figures filed, the check-in filled
(both values kept), duplicates and other sports refused politely, bad input refused before any
parser sees it."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from checkins import services as checkin_services
from checkins.models import CheckIn
from loads import services
from loads.models import RunImport
from tests.checkins.factories import checkin_data, checkin_post
from tests.loads.conftest import upload_of
from tests.loads.samples import LapSpec, Run, fit_file, gpx_file, tcx_file, walk_run_fit

pytestmark = pytest.mark.django_db


def recent_run(**fields) -> Run:
    start = (timezone.now() - timedelta(minutes=50)).replace(microsecond=0)
    return Run(start=start, **fields)


def imported(patient, by, data: bytes, name: str) -> RunImport:
    run = services.upload(patient=patient, by=by, upload=upload_of(data, name))
    services.read(run.pk)
    run.refresh_from_db()
    return run


def test_a_fit_file_becomes_a_run_session_in_the_clinics_time_zone(patient, athlete):
    spec = recent_run(laps=[LapSpec(2400, 7000.0, 85, 0.25)], pause_s=120)
    run = imported(patient, athlete, fit_file(spec), "Morning_Run.FIT")
    assert run.status == "done", run.message
    assert run.started_at == spec.start
    assert run.local_date == spec.start.astimezone(patient.clinic.zone).date()
    assert (run.moving_s, run.elapsed_s, run.run_minutes) == (2400, 2520, 40)
    assert run.distance_m == Decimal("7000.0") and run.distance_km == Decimal("7.00")
    assert (run.avg_hr, run.max_hr) == (148, 171)
    assert run.cadence_spm == Decimal("170.5")  # 2 x (85 + 0.25)
    assert run.stance_time_ms == Decimal("251.3")
    assert run.vertical_oscillation_mm == Decimal("84.6")
    assert run.step_length_mm == Decimal("1043.0")
    assert run.device_rpe == Decimal("6.0")
    assert run.has_gps and run.file.name.endswith(".fit")
    assert "Morning_Run" not in run.file.name  # the athlete's file name is not kept
    with run.file.open("rb") as stored:
        assert stored.read() == fit_file(spec)


def test_walk_run_laps_give_running_and_walking_minutes(patient, athlete):
    spec, _data = walk_run_fit(intervals=5, run_s=180, walk_s=60)
    spec.start = recent_run().start
    run = imported(patient, athlete, fit_file(spec), "walkrun.fit")
    assert (run.run_s, run.walk_s, run.intervals) == (900, 300, 5)
    assert (run.run_minutes, run.walk_minutes) == (15, 5)


def test_a_treadmill_file_gives_time_and_cadence(patient, athlete):
    spec = recent_run(gps=False, sub_sport=1, laps=[LapSpec(1500, 4000.0, 86)], pause_s=0)
    run = imported(patient, athlete, fit_file(spec), "treadmill.fit")
    assert run.status == "done" and not run.has_gps and run.sub_sport == "treadmill"
    assert run.run_minutes == 25 and run.cadence_spm == Decimal("172.0")


def test_gpx_and_tcx_files_are_imported(patient, athlete):
    start = recent_run().start
    gpx = imported(patient, athlete, gpx_file(start - timedelta(days=1), 1800, 5000.0), "a.gpx")
    assert gpx.status == "done" and gpx.run_minutes == 30 and gpx.cadence_spm == Decimal("170.0")
    tcx = imported(patient, athlete, tcx_file(start, [(1200, 3300.0, 86)], hr=150), "b.tcx")
    assert tcx.status == "done" and tcx.run_minutes == 20 and tcx.avg_hr == 150
    assert tcx.distance_m == Decimal("3300.0") and tcx.cadence_spm == Decimal("172.0")


def test_a_file_of_another_sport_is_refused_politely(patient, athlete):
    run = imported(patient, athlete, fit_file(recent_run(sport=2)), "ride.fit")
    assert run.status == "refused"
    assert run.message == "This file is a cycling activity: only runs and walk-runs are imported."
    assert not CheckIn.objects.exists()


def test_the_same_file_twice_is_refused_at_upload(patient, athlete):
    data = fit_file(recent_run())
    imported(patient, athlete, data, "run.fit")
    with pytest.raises(ValidationError, match="already here"):
        services.upload(patient=patient, by=athlete, upload=upload_of(data, "run-again.fit"))
    assert RunImport.objects.count() == 1


def test_the_same_activity_in_another_format_is_refused_once_read(patient, athlete):
    spec = recent_run(laps=[LapSpec(1800, 5000.0, 85)], pause_s=0)
    imported(patient, athlete, fit_file(spec), "run.fit")
    again = imported(patient, athlete, gpx_file(spec.start, 1800, 5000.0), "run.gpx")
    assert again.status == "refused" and "already here" in again.message
    assert RunImport.objects.filter(status="done").count() == 1


def test_a_check_in_already_made_takes_the_watch_figures_and_keeps_the_typed_ones(patient, athlete):
    today = checkin_services.local_today(patient)
    checkin = CheckIn.objects.create(
        patient=patient, date=today, **checkin_data(run_minutes=30, run_distance_km=Decimal("5"))
    )
    CheckIn.objects.filter(pk=checkin.pk).update(evaluated_at=timezone.now())
    spec = recent_run(laps=[LapSpec(2100, 6200.0, 86)], pause_s=0)
    if spec.start.astimezone(patient.clinic.zone).date() != today:
        pytest.skip("the run would fall on yesterday (test run just after midnight)")
    run = imported(patient, athlete, fit_file(spec), "run.fit")
    checkin.refresh_from_db()
    assert (checkin.run_minutes, checkin.run_distance_km, checkin.cadence) == (
        35,
        Decimal("6.20"),
        172,
    )
    assert checkin.session_rpe == 3  # the athlete's own effort wins over the watch's
    assert checkin.evaluated_at is None  # judged again by the rules with the watch's minutes
    assert (run.checkin, run.typed_run_minutes, run.typed_distance_km) == (
        checkin,
        30,
        Decimal("5.00"),
    )


def test_the_athletes_page_fills_the_check_in_and_the_submitted_values_are_kept(
    client, patient, athlete
):
    from tests.protocols.factories import active_plan, library

    active_plan(patient=patient, template=library(), by=patient.assigned_physio)
    client.force_login(athlete)
    spec = recent_run(laps=[LapSpec(1320, 3900.0, 84)], pause_s=30, rpe_x10=50)
    if spec.start.astimezone(patient.clinic.zone).date() != checkin_services.local_today(patient):
        pytest.skip("the run would fall on yesterday (test run just after midnight)")
    response = client.post(
        reverse("loads:athlete_upload"), {"file": upload_of(fit_file(spec), "run.fit")}
    )
    assert response.status_code == 302
    page = client.get(reverse("loads:athlete_upload_status")).content.decode()
    assert 'data-run-status="reading"' in page and "every 2s" in page
    services.read(RunImport.objects.get().pk)
    page = client.get(reverse("athlete_home")).content.decode()
    fill = json.loads(unescape(page.split('data-run-fill="', 1)[1].split('"', 1)[0]))
    assert fill == {
        "date": spec.start.astimezone(patient.clinic.zone).date().isoformat(),
        "run_minutes": 22,
        "walk_minutes": None,
        "run_distance_km": "3.90",
        "cadence": 168,
        "session_rpe": 5,
    }
    # The athlete corrects the minutes to 20 and submits: the check-in has 20, the import 22.
    client.post(
        reverse("checkins:submit"),
        checkin_post(
            date=checkin_services.local_today(patient).isoformat(),
            run_minutes="20",
            session_rpe="5",
        ),
    )
    checkin = CheckIn.objects.get()
    run = RunImport.objects.get()
    assert checkin.run_minutes == 20 and run.run_minutes == 22 and run.checkin == checkin


def test_a_50_mb_file_is_refused_before_reading(client, patient, athlete):
    client.force_login(athlete)
    big = fit_file(recent_run()) + b"\0" * (50 * 1024 * 1024)
    response = client.post(reverse("loads:athlete_upload"), {"file": upload_of(big, "big.fit")})
    assert response.status_code == 400
    assert "too large (the limit is 10 MB)" in response.content.decode()
    assert not RunImport.objects.exists()


def _zip_bomb() -> bytes:
    """1 GiB of zeros in about 1 MB of gzip."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * (16 * 1024 * 1024)
        for _ in range(64):
            gz.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_without_being_inflated(client, patient, athlete):
    bomb = _zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    client.force_login(athlete)
    for name in ("run.fit.gz", "run.fit"):  # named as what it is, or disguised
        response = client.post(reverse("loads:athlete_upload"), {"file": upload_of(bomb, name)})
        assert response.status_code == 400
        assert "Compressed files are not accepted" in response.content.decode()
    zipped = b"PK\x03\x04" + zlib.compress(b"x" * 1000)
    with pytest.raises(ValidationError, match="Compressed"):
        services.validate_upload(upload_of(zipped, "run.zip"))
    assert not RunImport.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"%PDF-1.7 not a run", "run.fit", "a .fit, .gpx or .tcx file"),
        (b"", "run.fit", "empty"),
        (None, "run.gpx", "holds something else"),
        (None, "run.exe", "a .fit, .gpx or .tcx file"),
    ],
)
def test_other_files_are_refused_with_the_reason(patient, athlete, data, name, says):
    data = fit_file(recent_run()) if data is None else data
    with pytest.raises(ValidationError, match=says):
        services.upload(patient=patient, by=athlete, upload=upload_of(data, name))
    assert not RunImport.objects.exists()


def test_a_corrupt_fit_file_is_refused_at_upload_or_when_read(patient, athlete):
    good = fit_file(recent_run())
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        services.upload(patient=patient, by=athlete, upload=upload_of(good[:-300], "cut.fit"))
    flipped = good[:300] + bytes([good[300] ^ 0x55]) + good[301:]
    run = imported(patient, athlete, flipped, "flipped.fit")
    assert run.status == "refused" and "damaged or incomplete" in run.message


@override_settings(RTR_RUN_PARSE_SECONDS=0.3)
def test_a_file_that_keeps_the_parser_busy_is_stopped_by_the_time_limit(patient, athlete):
    # An 8 MB GPX of one point a second for 10 hours: valid, but far more than 0.3 s to read.
    start = recent_run().start - timedelta(days=2)
    data = gpx_file(start, 36_000, 100_000.0, every=1)
    assert 5 * 1024 * 1024 < len(data) < 10 * 1024 * 1024
    run = imported(patient, athlete, data, "long.gpx")
    assert run.status == "refused" and run.message.startswith("Reading this file took too long")


@override_settings(RTR_RUN_PARSE_MEMORY_MB=64)
def test_the_memory_limit_stops_the_parser_with_a_clear_message(patient, athlete):
    # The same 8 MB GPX needs about 100 MB to read: over a 64 MB limit.
    start = recent_run().start - timedelta(days=2)
    run = imported(patient, athlete, gpx_file(start, 36_000, 100_000.0, every=1), "long.gpx")
    assert run.status == "refused"
    assert run.message == "This file needs too much memory to read and was stopped."
