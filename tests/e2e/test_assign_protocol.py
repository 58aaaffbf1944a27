"""Journey 1, second half: a physio assigns the low-risk template, adjusts it, confirms; plan and written plan."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from protocols.models import Plan
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in
from tests.patients.factories import make_injury, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_physio_assigns_adjusts_confirms_and_prints(
    page, live_server, clinic, physio, screenshot_dir
):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Tia", last_name="Tibia")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial", fredericson_grade="3")
    sign_in(page, live_server, physio.email)
    page.goto(live_server.url + reverse("patients:detail", args=[patient.public_id]))
    page.get_by_role("link", name="Assign protocol").click()

    option = page.locator(".form-check", has_text="Low-risk tibia or metatarsal")
    assert "Fits this injury" in option.inner_text()
    high = page.locator(".form-check", has_text="High-risk site")
    assert "Does not fit" in high.inner_text()
    option.get_by_role("radio").check()
    page.get_by_role("button", name="Make the draft plan").click()

    # Draft: shorten the walk-run stage (stage 3) for this patient, in place with htmx.
    page.get_by_role("heading", name=re.compile("Draft")).or_(
        page.get_by_text("Draft: adjust")
    ).first.wait_for()
    stage = page.locator(
        "section.card", has=page.get_by_role("heading", name=re.compile("Walk-run"))
    )
    stage.get_by_role("link", name="Edit", exact=True).click()
    form = page.locator("form[id^=stage-form-]:not(#stage-form-new)")
    form.get_by_label("to (weeks)").fill("2")
    form.get_by_role("button", name="Save the stage").click()
    page.locator("section.card", has_text="Walk-run").get_by_text("2–2 wk").or_(
        page.locator("section.card", has_text="Walk-run").get_by_text("2–2")
    ).first.wait_for()
    page.get_by_role("button", name="Confirm and start the plan").click()
    page.get_by_text("Plan confirmed. The athlete").wait_for()
    assert page.locator("#plan-status").inner_text() == "Active"

    plan = Plan.objects.get(patient=patient)
    assert plan.content.stages.get(order=3).duration_max_weeks == 2
    assert plan.source_template.stages.get(order=3).duration_max_weeks == 4

    # The patient page shows the plan, today's prescription and the next stage's criteria.
    page.goto(live_server.url + reverse("patients:detail", args=[patient.public_id]))
    section = page.locator("#section-plan")
    section.get_by_text("Stage 1 of 6").wait_for()
    assert "Today" in section.inner_text()
    assert "Next stage: Walking tolerance & loading" in section.inner_text()
    assert "Pain with daily activities" in section.inner_text()
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "patient-with-plan.png"), full_page=True)

    # The written plan renders; screenshot as printed.
    section.get_by_role("link", name="Written plan").click()
    page.get_by_role("heading", name=re.compile("Return-to-running plan for Tia Tibia")).wait_for()
    assert page.get_by_text("Stop and contact your physio if you have").is_visible()
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshot_dir / "written-plan-print.png"), full_page=True)
    assert page.locator("nav.navbar").is_hidden()
    assert page.console_errors == []
