"""Journey 3: the demo lead reviews the queue and regresses a stage; the plan, the athlete and
the physio all see the decision."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from checkins.models import Flag, Notification
from protocols.models import Plan
from rtr.accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_regresses_a_stage_from_an_urgent_flag(browser, page, live_server, screenshot_dir):
    call_command("demo_data", verbosity=0)
    flag = Flag.objects.get(patient__last_name="Runner", rule_code="night_pain")
    plan = Plan.objects.get(patient__last_name="Runner", status="active")
    stage_before = plan.current_stage.order

    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    page.locator('canvas[data-chart="stages"][data-rendered="1"]').wait_for()
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    page.get_by_label("Severity", exact=True).select_option("urgent")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(lambda url: "severity=urgent" in url)
    rows = page.locator("tr[data-flag]")
    assert rows.count() >= 2
    assert all("Urgent" in rows.nth(i).inner_text() for i in range(rows.count()))
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "flag-queue-urgent.png"), full_page=True)

    page.locator(f'tr[data-flag="{flag.public_id}"]').get_by_role("link").click()
    page.locator(
        'canvas[data-chart="pain"][data-rendered="1"]'
    ).wait_for()  # the evidence chart, drawn
    assert "Night pain" in page.get_by_role("heading", level=1).inner_text()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Resolve with").select_option("regress")
    page.get_by_label("Decision and reason").fill(
        "Night pain after the walk-run: back one stage, review Friday."
    )
    page.screenshot(path=str(screenshot_dir / "flag-detail.png"), full_page=True)
    page.get_by_role("button", name="Resolve", exact=True).click()
    page.get_by_text("Resolved.").wait_for()

    plan.refresh_from_db()
    assert plan.current_stage.order == stage_before - 1
    page.get_by_role("link", name="Plan", exact=True).click()
    timeline = page.locator(".decision-timeline")
    assert "Regress one stage" in timeline.locator("li").first.inner_text()
    assert "back one stage" in timeline.inner_text()
    page.screenshot(path=str(screenshot_dir / "plan-after-regress.png"), full_page=True)

    # The athlete's next prescription comes from the earlier stage.
    athlete = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    athlete_page = athlete.new_page()
    sign_in(athlete_page, live_server, "athlete@demo.rtr", DEMO_PASSWORD)
    today = athlete_page.get_by_role("region", name="Today's session", exact=True)
    assert plan.current_stage.name in today.inner_text()
    athlete.close()

    # The physio sees the decision in the app.
    physio = browser.new_context()
    physio_page = physio.new_page()
    sign_in(physio_page, live_server, "physio@demo.rtr", DEMO_PASSWORD)
    assert int(physio_page.locator("#unread-count").inner_text().split()[0]) >= 1
    physio_page.locator("#notification-bell").click()
    assert physio_page.get_by_text("Regress one stage").first.is_visible()
    physio.close()
    assert (
        Notification.objects.filter(
            recipient__email="physio@demo.rtr", kind="decision", flag=flag
        ).count()
        == 1
    )
