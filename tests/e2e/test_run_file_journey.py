"""Journey: at 375 px the athlete uploads the watch's FIT file, sees the check-in filled from it,
corrects nothing and sends it; the physio sees the run on the load charts. A real worker reads
the file (Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checkins import services
from checkins.models import CheckIn
from loads.models import RunImport
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.e2e.test_checkin_journey import answer_required, pick
from tests.e2e.test_sign_in_roles import sign_in
from tests.loads.samples import LapSpec, Run, fit_file
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_athlete_uploads_a_fit_file_and_the_physio_sees_the_run(
    browser, live_server, clinic, physio, athlete, screenshot_dir, tmp_path
):
    from celery.contrib.testing.worker import start_worker

    from rtr.celery import app

    patient = make_patient(clinic=clinic, physio=physio, first_name="Alex", last_name="Runner")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    start = (timezone.now() - timedelta(minutes=45)).replace(microsecond=0)
    if start.astimezone(clinic.zone).date() != services.local_today(patient):
        pytest.skip("the run would fall on yesterday (test run just after midnight)")
    run_file = tmp_path / "Morning_Run.fit"
    run_file.write_bytes(
        fit_file(Run(start=start, laps=[LapSpec(1500, 4200.0, 86)], pause_s=40, rpe_x10=40))
    )
    app.control.purge()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        sign_in(page, live_server, athlete.email)
        page.goto(live_server.url + reverse("athlete_home"))
        card = page.get_by_role("region", name="Your run from the watch")
        card.get_by_label("Run file from your watch (.fit, .gpx or .tcx)").set_input_files(
            str(run_file)
        )
        card.get_by_role("button", name="Upload run file").click()
        page.locator('[data-run-status="done"]').wait_for(timeout=30_000)
        summary = page.locator('[data-run-status="done"]').inner_text()
        # Distances in the clinic's unit, one decimal (issue 17).
        assert "25 min running" in summary and "4.2 km" in summary
        assert "cadence 172 steps/min" in summary and "effort on the watch 4/10" in summary

        form = page.locator("form[data-checkin-form]")
        answer_required(form)
        form.get_by_text("As prescribed", exact=True).click()
        pick(form, "pain_during", "0")
        pick(form, "pain_after", "0")
        assert form.locator("input[name=run_minutes]").input_value() == "25"
        assert form.locator("input[name=run_distance_km]").input_value() == "4.20"
        assert form.locator("input[name=cadence]").input_value() == "172"
        assert form.locator("input[name=session_rpe][value='4']").is_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(screenshot_dir / "run-file-filled-375.png"), full_page=True)
        assert serious_accessibility_violations(page) == []
        form.get_by_role("button", name="Send my check-in").click()
        page.get_by_role("heading", name="Thank you – check-in saved").wait_for()
        checkin = CheckIn.objects.get(patient=patient)
        assert (checkin.run_minutes, checkin.cadence, checkin.session_rpe) == (25, 172, 4)
        assert RunImport.objects.get(patient=patient).checkin == checkin
        assert errors == []
        context.close()

    staff = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = staff.new_page()
    sign_in(page, live_server, physio.email)
    page.goto(live_server.url + reverse("patients:detail", args=[patient.public_id]))
    section = page.locator("#section-load")
    section.locator('canvas[data-chart="weekly"][data-rendered="1"]').wait_for()
    section.locator('canvas[data-chart="cadence"][data-rendered="1"]').wait_for()
    assert section.locator('canvas[data-chart][data-rendered="1"]').count() == 4
    assert "25 min running" in section.locator("[data-run-list]").inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "run-file-physio-charts-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    staff.close()
