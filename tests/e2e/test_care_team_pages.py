"""The pages issue 17 changed, walked by each of the four roles at desktop width and at 375 px
on the demo data, with screenshots and axe (no serious or critical finding): the clinical
team's dashboard (reviews and tasks, patients by kind of stage), a flag's evidence in words,
the References page, the patient page's new sections, the coach's home and the timeline they
share with the physio, and the athlete's plan-change notice and history."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from checkins.models import Flag
from patients.models import Patient, TeamMessage
from protocols.models import Plan
from rtr.accounts.demo import DEMO_PASSWORD
from rtr.references import REFERENCES
from tests.e2e.conftest import DESKTOP, PHONE, serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVELOPER_TEXT = re.compile(r"domain\.md|§|\[(?:F:\d+|PD|GK)\]|clinical reference")
NO_SIDEWAYS_SCROLL = (
    "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
)
WIDTHS = (("desktop", DESKTOP), ("375", PHONE))


def look(page, shots, name: str) -> str:
    """The page as its reader sees it: no developer text, nothing serious for axe, no sideways
    scrolling at phone width; a screenshot kept. Returns the visible text."""
    page.wait_for_load_state("networkidle")
    text = page.locator("body").inner_text()
    assert not DEVELOPER_TEXT.search(text), (name, DEVELOPER_TEXT.search(text))
    assert serious_accessibility_violations(page) == [], name
    assert page.evaluate(NO_SIDEWAYS_SCROLL), name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return text


@pytest.fixture
def demo(db):
    call_command("demo_data", verbosity=0)
    alex = Patient.objects.get(last_name="Runner", is_demo=True)
    return {"alex": alex, "plan": Plan.objects.filter(patient=alex).first()}


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_the_lead_s_pages(page, live_server, screenshot_dir, demo, width, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    text = look(page, screenshot_dir, f"i17-lead-home-{width}")
    assert "Reviews and tasks" in text and "Patients by kind of stage" in text
    flag = Flag.objects.filter(patient__clinic__name__startswith="Riverside").open().first()
    page.goto(live_server.url + reverse("checkins:flag_detail", args=[flag.public_id]))
    text = look(page, screenshot_dir, f"i17-lead-flag-{width}")
    sentences = page.locator("#evidence-list li").all_inner_texts()
    assert sentences, "the evidence is said in sentences"
    for sentence in sentences:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b\s*[:=]", sentence), sentence  # no raw keys
    page.goto(live_server.url + reverse("references"))
    look(page, screenshot_dir, f"i17-references-{width}")
    listed = page.locator("#reference-list > li[id]").count()
    assert listed == len(REFERENCES)
    page.goto(live_server.url + reverse("clinic_members"))
    text = look(page, screenshot_dir, f"i17-lead-team-{width}")
    assert "Clinic details" in text


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_the_physio_s_pages(page, live_server, screenshot_dir, demo, width, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "physio@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    text = look(page, screenshot_dir, f"i17-physio-home-{width}")
    assert "Reviews and tasks" in text
    page.goto(live_server.url + reverse("patients:detail", args=[demo["alex"].public_id]))
    page.locator("#care-tasks").wait_for()
    page.locator("#team-timeline").wait_for()
    page.locator("#support-contacts").wait_for()
    text = look(page, screenshot_dir, f"i17-physio-patient-{width}")
    assert "Imaging follow-up" in text and "Maria Runner" in text
    assert "Club 5 km is on the 20th" in text
    page.goto(live_server.url + reverse("protocols:plan_detail", args=[demo["plan"].public_id]))
    text = look(page, screenshot_dir, f"i17-physio-plan-{width}")
    assert "Return to sport when all of these are met" in text
    page.goto(live_server.url + reverse("protocols:plan_print", args=[demo["plan"].public_id]))
    text = look(page, screenshot_dir, f"i17-physio-written-plan-{width}")
    assert "Weekly targets" in text and "1 Demo Street, Riverside" in text


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_the_coach_s_home_and_the_timeline(
    page, live_server, screenshot_dir, demo, width, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "coach@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    text = look(page, screenshot_dir, f"i17-coach-home-{width}")
    athletes = page.locator("#coach-athletes")
    rows = athletes.locator("tr.coach-row")
    assert rows.count() == 3
    alex = athletes.locator("tr.coach-row", has_text="Alex Runner")
    for heading in (
        "Stage",
        "Expected return",
        "Check-ins, last 7 days",
        "Next review",
        "Training",
    ):
        assert heading in athletes.inner_text()
    assert re.search(r"\d+ of \d+", alex.inner_text())
    assert "pain" not in text.lower().replace("pain-free", "")  # no pain values on the coach's home
    page.goto(live_server.url + reverse("patients:detail", args=[demo["alex"].public_id]))
    timeline = page.locator("#team-timeline")
    timeline.wait_for()
    look(page, screenshot_dir, f"i17-coach-patient-{width}")
    assert "We review on Friday" in timeline.inner_text()
    message = f"Entry list updated ({width})."
    timeline.get_by_role("textbox", name="Message").fill(message)
    timeline.get_by_role("button", name="Post message").click()
    page.locator("#team-timeline .team-message", has_text=message).wait_for()
    assert TeamMessage.objects.filter(text=message, author__email="coach@demo.rtr").exists()
    page_text = page.locator("body").inner_text()
    for clinical in ("Pain at rest", "Fredericson", "Triad", "Warning signs", "Support contacts"):
        assert clinical not in page_text, clinical


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_the_athlete_is_told_what_changed_and_sees_their_progress(
    page, live_server, screenshot_dir, demo, width, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "athlete@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("athlete_home"))
    text = look(page, screenshot_dir, f"i17-athlete-home-{width}")
    notice = page.locator("#plan-change")
    assert notice.is_visible()
    assert "What changed in your plan" in notice.inner_text()
    assert (
        "Keep the runs easy and flat" in notice.inner_text()
    )  # the physio's words for the athlete
    page.goto(live_server.url + reverse("checkins:history"))
    text = look(page, screenshot_dir, f"i17-athlete-history-{width}")
    assert "My progress through the stages" in text and "This week: the plan and what I did" in text
    page.goto(live_server.url + reverse("protocols:my_plan"))
    text = look(page, screenshot_dir, f"i17-athlete-written-plan-{width}")
    assert "Weekly targets" in text and "Agreed" in text
