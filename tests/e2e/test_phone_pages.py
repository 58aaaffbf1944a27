"""At 375 px the staff's flag queue and patient list are readable cards, with no sideways
scrolling; the patient's destructive actions sit apart from the everyday ones (issue 17)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from patients.models import Patient
from rtr.accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, serious_accessibility_violations
from tests.e2e.test_sign_in_roles import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = """() => [document.documentElement, ...document.querySelectorAll('.table-responsive')]
    .every((el) => el.scrollWidth <= el.clientWidth + 1)"""


def test_the_queue_and_the_patient_list_are_cards_on_a_phone(page, live_server, screenshot_dir):
    call_command("demo_data", verbosity=0)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    for name, shot in (
        ("checkins:flag_queue", "queue-375.png"),
        ("patients:list", "patients-375.png"),
    ):
        page.goto(live_server.url + reverse(name))
        row = page.locator("table.table-cards tbody tr").first
        row.wait_for()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), name
        # A card: the row is as wide as the list and its cells stack, each with its column's name.
        assert row.evaluate("(tr) => getComputedStyle(tr).display") == "block"
        second = row.locator("td").nth(1)
        assert second.evaluate("(td) => getComputedStyle(td, '::before').content") not in (
            "none",
            "",
        )
        assert serious_accessibility_violations(page) == []
        page.screenshot(path=str(screenshot_dir / shot), full_page=True)


def test_discharge_and_erase_are_apart_from_the_everyday_buttons(page, live_server):
    call_command("demo_data", verbosity=0)
    patient = Patient.objects.get(last_name="Runner")
    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    page.goto(live_server.url + reverse("patients:detail", args=[patient.public_id]))
    header = page.locator("main header").first
    assert header.get_by_role("link", name="Edit details").count() == 1
    assert header.get_by_role("link", name="Erase personal data").count() == 0
    ending = page.locator("#leaving-care")
    assert ending.get_by_role("link", name="Erase personal data").count() == 1
    assert ending.get_by_role("link", name="Discharge").count() == 1


# The filters' chosen values fit their boxes: the width the selected option's text needs (in
# the select's own font, with its padding and arrow) against the box's width.
TRUNCATED_SELECTS = """() => [...document.querySelectorAll('form select')]
    .filter((s) => s.offsetParent)
    .filter((s) => {
        const style = getComputedStyle(s);
        const probe = document.createElement('span');
        probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
        probe.style.font = style.font;
        probe.textContent = s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : '';
        document.body.appendChild(probe);
        const needed = probe.getBoundingClientRect().width
            + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        probe.remove();
        return needed > s.clientWidth + 1;
    })
    .map((s) => s.name)"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "375"])
def test_no_filter_control_is_truncated(page, live_server, viewport):
    call_command("demo_data", verbosity=0)
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "lead@demo.rtr", DEMO_PASSWORD)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    for name in ("checkins:flag_queue", "patients:list", "patients:audit"):
        page.goto(live_server.url + reverse(name))
        page.wait_for_load_state("networkidle")
        assert page.evaluate(TRUNCATED_SELECTS) == [], name
