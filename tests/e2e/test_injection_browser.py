"""In the browser, injected payloads never run: no dialog fires; the CSP blocks inline script."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.test_injection import stuff


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_dialog_fires_in_the_browser(page, live_server, clinic, physio, lead, athlete):
    from tests.e2e.test_sign_in_roles import sign_in

    objects = stuff(clinic, physio, lead, athlete)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server, lead.email)
    for url in (
        reverse("patients:detail", args=[objects["patient"].public_id]),
        reverse("checkins:flag_detail", args=[objects["flag"].public_id]),
        reverse("protocols:template_detail", args=[objects["template"].public_id]),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
    # An injected inline script (what a missed escape would produce) is blocked by the CSP.
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'alert(2)'; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)
    assert dialogs == []
    assert violations, "the CSP should have refused the inline script"
