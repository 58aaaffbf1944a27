"""Issue 21 in the browser: the athlete's check-in works offline (kept on the phone, sent when
the connection returns, saved once), waits for the same athlete after a session expired, and
staff pages never stay on the device. Chromium's offline emulation (context.set_offline)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from checkins.models import CheckIn, CheckInReceipt
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.e2e.test_checkin_journey import answer_required
from tests.e2e.test_sign_in_roles import sign_in
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) {
      urls.push(new URL(request.url).pathname);
    }
  }
  return urls;
}"""
QUEUE = "() => RTRQueue.all()"


def athlete_patient(clinic, physio, user, first_name, last_name):
    patient = make_patient(clinic=clinic, physio=physio, first_name=first_name, last_name=last_name)
    make_injury(patient=patient, by=physio)
    patient.user = user
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    return patient


def phone(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


def today_page_kept(page, live_server) -> None:
    """Open today's page until the service worker controls it and has kept it."""
    page.goto(live_server.url + reverse("athlete_home"))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null && "
        "caches.open('rtr-pages').then((c) => c.match(location.origin + '/me/'))"
    )
    page.wait_for_function(
        "caches.open('rtr-pages').then((c) => c.match(location.origin + '/me/')).then((r) => !!r)"
    )


def kept(page) -> list[str]:
    return page.evaluate(KEPT_URLS)


def check_in_offline(context, page, live_server) -> None:
    context.set_offline(True)
    page.reload()  # the kept today page, from the phone
    assert page.evaluate("navigator.onLine") is False
    form = page.locator("form[data-checkin-form]")
    answer_required(form)
    form.get_by_text("Rest day", exact=True).click()
    form.get_by_role("button", name="Send my check-in").click()
    page.locator(
        "#device-status", has_text="Saved on this phone, will send when online."
    ).wait_for()


def test_a_check_in_made_offline_is_sent_when_online_and_saved_once(
    browser, live_server, clinic, physio, athlete, screenshot_dir
):
    patient = athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    today_page_kept(page, live_server)

    check_in_offline(context, page, live_server)
    page.screenshot(path=str(screenshot_dir / "offline-checkin-queued-375.png"), full_page=True)
    [entry] = page.evaluate(QUEUE)
    assert entry["athlete"] == str(athlete.public_id)
    assert not CheckIn.objects.filter(patient=patient).exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # what the browser fires
    page.locator("#device-status", has_text="Sent").wait_for()
    page.screenshot(path=str(screenshot_dir / "offline-checkin-sent-375.png"), full_page=True)
    assert page.evaluate(QUEUE) == []
    saved = CheckIn.objects.get(patient=patient)
    assert saved.session_done == "rest_day" and saved.pain_rest == 0
    assert CheckInReceipt.objects.get(checkin=saved).client_id.hex == entry["client_id"].replace(
        "-", ""
    )

    # The same check-in (same client id) sent again, say by a second replay: still one row.
    page.evaluate(
        "(entry) => RTRQueue.add(entry.fields.concat([['client_id', entry.client_id]]))", entry
    )
    page.reload()
    page.locator("#device-status", has_text="Sent").wait_for()
    assert page.evaluate(QUEUE) == []
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert CheckInReceipt.objects.filter(checkin__patient=patient).count() == 1
    assert CheckIn.objects.get(patient=patient).edited_at is None
    assert page.js_errors == []
    context.close()


def test_a_queued_check_in_waits_for_the_same_athlete_to_sign_in_again(
    browser, live_server, clinic, physio, athlete, other_athlete, screenshot_dir
):
    alex = athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    sam = athlete_patient(clinic, physio, other_athlete, "Sam", "Strider")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    today_page_kept(page, live_server)
    check_in_offline(context, page, live_server)

    # The session expires while the phone is offline.
    Session.objects.all().delete()
    context.clear_cookies()
    context.set_offline(False)
    page.goto(live_server.url + reverse("athlete_home"))  # to the sign-in page
    status = page.locator("#device-status", has_text="Sign in to send it")
    status.wait_for()
    page.screenshot(path=str(screenshot_dir / "offline-checkin-sign-in-375.png"), full_page=True)
    assert not CheckIn.objects.exists()
    assert len(page.evaluate(QUEUE)) == 1

    # Someone else signs in on the same phone: nothing is sent for them, Alex's page is gone.
    sign_in(page, live_server, other_athlete.email)
    page.wait_for_url(live_server.url + reverse("athlete_home"))
    page.locator("#device-status", has_text="another account").wait_for()
    assert not CheckIn.objects.exists()
    assert len(page.evaluate(QUEUE)) == 1
    page.wait_for_function(
        "caches.open('rtr-pages').then((c) => c.match(location.origin + '/me/'))"
        ".then((r) => r && r.text()).then((t) => !!t && t.includes('Hello, Sam'))"
    )
    page.screenshot(
        path=str(screenshot_dir / "offline-checkin-other-account-375.png"), full_page=True
    )

    # Alex signs in again: the check-in is sent, for Alex only.
    context.clear_cookies()
    sign_in(page, live_server, athlete.email)
    page.wait_for_url(live_server.url + reverse("athlete_home"))
    page.locator("#device-status", has_text="Sent").wait_for()
    assert CheckIn.objects.filter(patient=alex).count() == 1
    assert not CheckIn.objects.filter(patient=sam).exists()
    assert page.evaluate(QUEUE) == []
    assert page.js_errors == []
    context.close()


def test_staff_pages_never_stay_on_the_device(browser, live_server, clinic, physio, athlete, lead):
    patient = athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    today_page_kept(page, live_server)
    assert "/me/" in kept(page)

    context.clear_cookies()
    sign_in(page, live_server, lead.email)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    for path in (
        reverse("staff_home"),
        reverse("patients:list"),
        reverse("patients:detail", args=[patient.public_id]),
        reverse("checkins:flag_queue"),
        reverse("checkins:log", args=[patient.public_id]),
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "caches.keys().then(async (names) => { for (const n of names) { for (const r of await"
        " (await caches.open(n)).keys()) { if (new URL(r.url).pathname === '/me/') return false; }"
        " } return true; })"
    )
    urls = kept(page)
    assert urls, "the worker keeps the look of the pages"
    assert all(url.startswith(("/static/", "/offline/")) for url in urls), urls

    context.set_offline(True)  # a staff page is not on the phone: the offline page says so
    page.reload()
    assert page.get_by_role("heading", name="No connection").is_visible()
    context.close()


def test_athlete_pages_at_375_px_have_no_serious_accessibility_finding(
    browser, live_server, clinic, physio, athlete, screenshot_dir
):
    athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    for name in (
        "athlete_home",
        "checkins:history",
        "protocols:my_plan",
        "pwa:devices",
        "pwa:offline",
    ):
        page.goto(live_server.url + reverse(name))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        assert serious_accessibility_violations(page) == [], name
    page.screenshot(path=str(screenshot_dir / "notifications-devices-375.png"), full_page=True)
    assert page.js_errors == []
    context.close()


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
INSTALL_PROMPT = """() => {
  const event = new Event("beforeinstallprompt", { cancelable: true });
  event.prompt = () => { window.rtrPrompted = true; };
  event.userChoice = Promise.resolve({ outcome: "accepted" });
  window.dispatchEvent(event);
}"""


def test_android_offers_to_install_and_iphone_explains_add_to_home_screen(
    browser, live_server, clinic, physio, athlete, screenshot_dir
):
    athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    page.goto(live_server.url + reverse("athlete_home"))
    install = page.get_by_role("button", name="Install RTR on this phone")
    assert install.is_hidden()
    page.evaluate(INSTALL_PROMPT)  # what Chrome on Android fires when the app is installable
    install.click()
    assert page.evaluate("window.rtrPrompted") is True
    context.close()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, user_agent=IPHONE)
    page = context.new_page()
    sign_in(page, live_server, athlete.email)
    page.goto(live_server.url + reverse("athlete_home"))
    page.get_by_text("Add to Home Screen").wait_for()
    page.screenshot(path=str(screenshot_dir / "install-iphone-375.png"))
    assert serious_accessibility_violations(page) == []
    context.close()


def test_a_kept_check_in_the_server_refuses_is_shown_with_why_and_can_be_removed(
    browser, live_server, clinic, physio, athlete
):
    from datetime import timedelta

    from checkins.services import local_today

    patient = athlete_patient(clinic, physio, athlete, "Alex", "Runner")
    context, page = phone(browser)
    sign_in(page, live_server, athlete.email)
    page.goto(live_server.url + reverse("athlete_home"))
    too_old = (local_today(patient) - timedelta(days=3)).isoformat()
    fields = [
        ["date", too_old], ["pain_rest", "0"], ["pain_next_morning", "0"],
        ["focal_tenderness", "none"], ["swelling", "none"], ["session_done", "rest_day"],
        ["athlete", str(athlete.public_id)],
    ]  # fmt: skip
    page.evaluate("(fields) => RTRQueue.add(fields)", fields)
    page.reload()
    status = page.locator("#device-status", has_text="could not be sent")
    status.wait_for()
    assert "yesterday" in status.inner_text()  # the server's reason, in the athlete's words
    assert len(page.evaluate(QUEUE)) == 1  # kept until the athlete has read it
    status.get_by_role("button", name="Remove it from this phone").click()
    page.wait_for_function("RTRQueue.all().then((e) => e.length === 0)")
    assert not CheckIn.objects.exists()
    assert page.js_errors == []
    context.close()
