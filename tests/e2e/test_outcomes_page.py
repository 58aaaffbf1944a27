"""The lead opens the clinic's outcomes from the menu: figures by site, a chart per site."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from patients.models import Patient
from rtr.accounts.demo import DEMO_PASSWORD
from rtr.accounts.models import User
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in
from tests.interop.test_outcomes import _episode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_sees_outcomes_by_site_with_charts(browser, page, live_server, screenshot_dir):
    call_command("demo_data", verbosity=0)
    physio = User.objects.get(email="physio@demo.rtr")
    clinic = Patient.objects.get(user__email="athlete@demo.rtr").clinic
    for first_run, rts in ((15, 40), (30, 60), (20, 80)):
        _episode(clinic, physio, first_run=first_run, rts=rts)
    _episode(clinic, physio, first_run=40, stop=45)

    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Clinic").click()
    nav.get_by_role("link", name="Outcomes").click()
    page.wait_for_url(live_server.url + reverse("interop:outcomes"))
    row = page.locator('tr[data-site="tibia_posteromedial"]')
    assert "60 (50–70), n = 3" in row.inner_text()
    assert page.locator("canvas").count() >= 1
    page.locator('canvas[data-rendered="1"]').first.wait_for()
    assert page.console_errors == []  # the charts drew under the strict CSP
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "outcomes.png"), full_page=True)
