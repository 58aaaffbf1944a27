"""Journey 2: the athlete opens the link on a phone, sees today's session, checks in in one screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick(form, name: str, value: str) -> None:
    """Tap one answer of a button row (scales and choices)."""
    form.locator(f"#id_{name}").get_by_text(value, exact=True).click()


def answer_required(form) -> None:
    """The answers every check-in needs, with no pain and no warning sign."""
    pick(form, "pain_rest", "0")
    pick(form, "pain_next_morning", "0")
    pick(form, "focal_tenderness", "None")
    pick(form, "swelling", "None")


def test_athlete_checks_in_by_link_on_a_phone(
    browser, live_server, clinic, physio, athlete, screenshot_dir
):
    patient = make_patient(
        clinic=clinic, physio=physio, first_name="Alex", last_name="Runner", sex="female"
    )
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    link = services.signin_link_create(user=athlete)
    path = "/login/link/" + link.rsplit("/link/", 1)[1]

    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + path)
    page.wait_for_url(live_server.url + reverse("athlete_home"))
    today_card = page.get_by_role("region", name="Today's session", exact=True)
    assert today_card.is_visible()
    assert (
        "Walk 10 min as pain allows" in today_card.inner_text()
        or "Rest day" in today_card.inner_text()
        or "Strength" in today_card.inner_text()
    )
    page.screenshot(path=str(screenshot_dir / "checkin-form-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_accessibility_violations(page) == []

    # About two screens: the optional recovery questions and the watch's figures are folded.
    form = page.locator("form[data-checkin-form]")
    height = form.evaluate("(f) => f.getBoundingClientRect().height")
    print("check-in form height at 375 px:", height)
    assert height <= 2.2 * PHONE["height"], height
    assert not form.locator("#recovery-questions").evaluate("(d) => d.open")

    # The required answers (nothing is chosen for the athlete), one optional, send.
    assert form.locator("input[type=radio]:checked:not([name=date])").count() == 0
    answer_required(form)
    form.get_by_text("As prescribed", exact=True).click()
    assert form.locator("[data-show-when]").is_visible()
    pick(form, "pain_during", "1")
    pick(form, "pain_after", "0")
    form.locator("#recovery-questions summary").click()
    pick(form, "fatigue", "4")
    form.get_by_role("button", name="Send my check-in").click()
    page.get_by_role("heading", name="Thank you – check-in saved").wait_for()
    assert page.get_by_role("heading", name="Your next session").is_visible()
    page.screenshot(path=str(screenshot_dir / "checkin-done-375.png"), full_page=True)
    assert CheckIn.objects.filter(patient=patient).count() == 1
    first = CheckIn.objects.get(patient=patient)
    assert (first.pain_during, first.fatigue) == (1, 4)
    assert first.sleep_hours is None and first.confidence is None  # not answered: not reported

    # Again the same day, now with a red flag: one check-in, updated; the stop notice shows.
    page.get_by_role("link", name="Change today's answers").click()
    form = page.locator("form[data-checkin-form]")
    form.get_by_text("Rest day", exact=True).click()
    assert form.locator("[data-show-when]").is_hidden()
    form.get_by_label("Pain at night").check()
    form.get_by_role("button", name="Update my check-in").click()
    notice = page.locator("#stop-notice")
    notice.wait_for()
    assert "Stop and contact your physio" in notice.inner_text()
    assert "pain at night" in notice.inner_text()
    page.screenshot(path=str(screenshot_dir / "checkin-red-flag-375.png"), full_page=True)
    assert CheckIn.objects.filter(patient=patient).count() == 1
    saved = CheckIn.objects.get(patient=patient)
    assert saved.night_pain and saved.session_done == "rest_day" and saved.edited_at is not None
    assert serious_accessibility_violations(page) == []
    assert errors == []
    context.close()


def test_care_team_charts_render_in_the_browser(page, live_server, clinic, physio, athlete):
    from tests.checkins.factories import make_history

    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    make_history(patient=patient, last=services.local_today(patient), days=20)
    from tests.e2e.test_sign_in_roles import sign_in

    sign_in(page, live_server, physio.email)
    page.goto(live_server.url + reverse("patients:detail", args=[patient.public_id]))
    # charts.js marks a canvas once Chart.js has drawn it (CSP forbids page-side eval in tests too).
    page.locator('#section-checkins canvas[data-chart="pain"][data-rendered="1"]').wait_for()
    page.goto(live_server.url + reverse("checkins:log", args=[patient.public_id]))
    page.locator('canvas[data-chart="sleep"][data-rendered="1"]').wait_for()
    # Pain, the day's minutes against the prescription, the week's planned against done,
    # swelling and tenderness, sleep (steps and heart figures only where reported: none here).
    drawn = page.locator("canvas[data-chart][data-rendered='1']")
    assert sorted(drawn.evaluate_all("(all) => all.map((c) => c.dataset.chart)")) == [
        "load",
        "pain",
        "signs",
        "sleep",
        "weekly",
    ]
    assert page.console_errors == []


def test_only_the_required_answers_store_not_reported_for_the_rest(
    browser, live_server, clinic, physio, athlete, screenshot_dir
):
    """At 375 px: a hurried check-in with only the required answers records nothing else as a
    value; a missing required answer is brought into view and focused, nothing saved."""
    from tests.e2e.test_sign_in_roles import sign_in

    patient = make_patient(clinic=clinic, physio=physio, sex="female")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, athlete.email)
    page.goto(live_server.url + reverse("athlete_home"))
    form = page.locator("form[data-checkin-form]")

    # Forgetting one required answer: a clear error on it, the page scrolled to it, focused.
    pick(form, "pain_rest", "0")
    pick(form, "focal_tenderness", "None")
    pick(form, "swelling", "None")
    form.get_by_text("Rest day", exact=True).click()
    form.get_by_role("button", name="Send my check-in").click()
    page.locator("#id_pain_next_morning-errors").wait_for()
    assert "This field is required" in page.locator("#id_pain_next_morning-errors").inner_text()
    focused = page.evaluate("document.activeElement.name")
    assert focused == "pain_next_morning"
    page.screenshot(path=str(screenshot_dir / "checkin-required-375.png"), full_page=True)
    assert not CheckIn.objects.filter(patient=patient).exists()

    form = page.locator("form[data-checkin-form]")
    pick(form, "pain_next_morning", "0")
    form.get_by_role("button", name="Send my check-in").click()
    page.get_by_role("heading", name="Thank you – check-in saved").wait_for()
    saved = CheckIn.objects.get(patient=patient)
    assert saved.session_done == "rest_day"
    for name in (
        "sleep_hours",
        "sleep_quality",
        "fatigue",
        "stress",
        "fuelling_adequate",
        "calcium_vitd_taken",
        "confidence",
    ):
        assert getattr(saved, name) is None, name
    assert serious_accessibility_violations(page) == []
    context.close()
