"""Journey 1, first half: a physio registers a navicular BSI patient and invites the athlete."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_physio_registers_navicular_patient_screens_and_invites(
    browser, page, live_server, physio, screenshot_dir, settings
):
    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    sign_in(page, live_server, physio.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Patients", exact=True
    ).click()
    page.get_by_role("link", name="Register a patient").click()

    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Navicular")
    page.get_by_label("Date of birth").fill("2001-03-04")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Contact e-mail").fill("nadia.navicular@example.org")
    page.get_by_label("Discipline").fill("1500 m")
    page.get_by_label("Pre-injury weekly running (km)").fill("55")
    page.get_by_label(re.compile("consents to their data")).check()
    page.get_by_role("button", name="Register and record the injury").click()

    page.get_by_role("heading", name="Record a bone stress injury").wait_for()
    page.locator("#id_site").select_option("navicular")
    page.get_by_label("Side").select_option("right")
    page.get_by_label("Fredericson (MRI)").select_option("3")
    page.get_by_label("First symptoms").fill((today - timedelta(days=35)).isoformat())
    page.get_by_label("Diagnosis date").fill((today - timedelta(days=21)).isoformat())
    page.get_by_label("Weight-bearing").select_option("nwb")
    page.get_by_label("Walking aid").select_option("crutches")
    page.get_by_role("button", name="Save the injury").click()

    page.get_by_role("heading", name="Nadia Navicular").wait_for()
    assert "High risk (orthopaedic)" in page.locator("#risk-badge").inner_text()
    assert page.locator("#bone-health-flag").count() == 0
    expected = page.locator("#expected-return").inner_text()
    assert "about 127 days" in expected and "Hoenig 2023" in expected

    # MRI entry, added in place with htmx.
    page.get_by_text("Add an imaging entry").click()
    page.get_by_label("Modality").select_option("mri")
    page.locator("#id_taken_on").fill((today - timedelta(days=21)).isoformat())
    page.get_by_label("Grade").fill("Fredericson 3")
    page.get_by_label("Short note").fill("Marrow oedema, no fracture line")
    page.get_by_role("button", name="Add imaging").click()
    page.locator(".imaging-entry", has_text="Marrow oedema").wait_for()
    assert page.locator(".imaging-entry").count() == 1

    # Triad screen scoring 3: provisional clearance.
    page.get_by_role("link", name="Record a screen").click()
    for field, value in {
        "low_energy_availability": "1",
        "low_bmi": "0",
        "delayed_menarche": "0",
        "oligo_amenorrhoea": "1",
        "low_bmd": "0",
        "stress_reaction": "1",
    }.items():
        page.locator(f'input[name="{field}"][value="{value}"]').check()
    page.get_by_role("button", name="Record the screen").click()
    page.get_by_text("3 points").first.wait_for()
    assert page.get_by_text("Provisional or limited clearance").first.is_visible()
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "patient-detail-navicular.png"), full_page=True)

    # Invite the athlete; read the link from the outbox.
    page.get_by_role("button", name="Invite the athlete").click()
    page.get_by_text("Invitation sent to nadia.navicular@example.org").wait_for()
    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[-1].body).group(0)

    athlete_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    athlete_page = athlete_context.new_page()
    athlete_page.goto(link)
    athlete_page.get_by_role("heading", name="Welcome, Nadia").wait_for()
    athlete_page.get_by_label("Choose a password").fill("strong-pass-phrase-42")
    athlete_page.get_by_label("Type it again").fill("strong-pass-phrase-42")
    athlete_page.get_by_role("button", name="Set password and continue").click()
    athlete_page.wait_for_url(live_server.url + reverse("athlete_home"))
    assert athlete_page.get_by_role("heading", level=1).inner_text() == "Hello, Nadia"
    athlete_page.screenshot(
        path=str(screenshot_dir / "athlete-after-invitation-375.png"), full_page=True
    )
    athlete_context.close()

    patient = Patient.objects.get(last_name="Navicular")
    assert patient.user is not None and patient.user.email == "nadia.navicular@example.org"
