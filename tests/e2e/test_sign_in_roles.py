"""Journey: each role signs in through the real sign-in page and lands on its own home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.factories import PASSWORD, authenticator_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real forms; staff then enter the code of their authenticator app."""
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/2fa/authenticate/" in page.url:
        page.get_by_label("Code").fill(current_code(email))
        page.get_by_role("button", name="Sign in").click()


def current_code(email: str) -> str:
    from rtr.accounts.models import User

    return authenticator_code(User.objects.get(email=email))


@pytest.mark.parametrize(
    ("persona", "path", "heading"),
    [
        ("lead", "staff_home", "Dashboard"),
        ("physio", "staff_home", "Dashboard"),
        ("coach", "staff_home", "Dashboard"),
        ("athlete", "athlete_home", "Hello, Alex"),
    ],
)
def test_each_role_signs_in_and_sees_its_home(page, live_server, request, persona, path, heading):
    user = request.getfixturevalue(persona)
    sign_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + reverse(path))
    assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
    nav = page.get_by_role("navigation", name="Main")
    if persona == "athlete":
        assert nav.get_by_role("link", name="Today").count() == 1
        assert nav.get_by_role("link", name="Team").count() == 0
    elif persona == "coach":
        assert nav.get_by_role("link", name="Team").count() == 0
    else:
        # The clinic's pages are grouped in one menu, so the bar fits on one line at 1280 px.
        nav.get_by_role("button", name="Clinic").click()
        assert nav.get_by_role("link", name="Team").count() == 1
        assert nav.get_by_role("link", name="Audit").count() == (1 if persona == "lead" else 0)
    assert page.console_errors == []  # CSP and scripts: nothing failed
    assert serious_accessibility_violations(page) == []


def test_wrong_password_then_throttle_in_the_browser(page, live_server, physio):
    sign_in(page, live_server, physio.email, "wrong-password-1")
    assert page.get_by_text("do not match an account").is_visible()
    for _ in range(5):  # a sixth from one address: this address is throttled for the account
        sign_in(page, live_server, physio.email, "wrong-password-1")
    assert page.get_by_text("Too many failed attempts").is_visible()


def test_phone_layout_of_athlete_and_staff_home(
    browser, live_server, athlete, physio, screenshot_dir
):
    for user, name in [(athlete, "athlete-home"), (physio, "staff-home")]:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        sign_in(page, live_server, user.email)
        page.wait_for_load_state("networkidle")
        # Nothing wider than the phone: no horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert serious_accessibility_violations(page) == []
        toggle = page.get_by_role("button", name="Show the menu")
        assert toggle.is_visible()
        page.screenshot(path=str(screenshot_dir / f"{name}-375.png"), full_page=True)
        toggle.click()
        page.get_by_role("button", name="Sign out").wait_for(state="visible")
        page.screenshot(path=str(screenshot_dir / f"{name}-375-menu.png"), full_page=True)
        context.close()
    assert (screenshot_dir / "athlete-home-375.png").stat().st_size > 0


def test_the_lead_s_navigation_fits_on_one_line_at_1280_px(page, live_server, lead, clinic):
    # Real names are longer than the fixtures': the bar must hold them.
    clinic.name = "Riverside Sports Physiotherapy"
    clinic.save(update_fields=["name"])
    lead.first_name, lead.last_name = "Alexandra", "Montgomery-Hughes"
    lead.save(update_fields=["first_name", "last_name"])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, lead.email)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    bar = page.locator("nav.navbar").bounding_box()
    brand = page.locator(".navbar-brand").bounding_box()
    assert bar is not None and brand is not None
    # One line: the bar is no taller than one row of links (about 56 px), not two or three.
    assert bar["height"] < 2 * brand["height"] + 30, bar


def test_sign_out_from_the_menu(page, live_server, lead):
    sign_in(page, live_server, lead.email)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    page.goto(live_server.url + reverse("staff_home"))
    assert "/accounts/login/" in page.url
