"""The form probe in the browser (issue 15.3): every form a physio can reach, found by crawling,
is filled with script payloads and submitted in Chromium; no dialog ever fires."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.e2e.test_sign_in_roles import sign_in
from tests.security import conftest as security_world
from tests.security import test_probe
from tests.security.probe import distinct_forms
from tests.security.test_probe import XSS, crawl_as

# The client probe's world, as fixtures of this module.
world = security_world.world
probed = test_probe.probed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# allauth's own account forms (they sign out or ask for the password again): the client probe
# in tests/security covers them.
NOT_IN_THE_BROWSER = ("/accounts/", "/account/", "/clinic/two-factor/")

FILL_AND_SUBMIT = """([index, payload]) => {
  const form = document.querySelectorAll('form')[index];
  if (!form) return false;
  form.noValidate = true;
  for (const el of form.querySelectorAll('input, textarea')) {
    const type = (el.getAttribute('type') || 'text').toLowerCase();
    if (['text', 'search', 'email', 'url', 'tel'].includes(type) || el.tagName === 'TEXTAREA') {
      el.value = payload;
    }
  }
  form.requestSubmit ? form.requestSubmit() : form.submit();
  return true;
}"""


# For a form htmx submits: resolves once htmx has swapped in (and settled) the answer.
# A refused request (4xx) is not swapped: then htmx's afterRequest, unsuccessful, is the marker.
SUBMIT_AND_SETTLE = (
    "(args) => new Promise((resolve) => {"
    " document.addEventListener('htmx:afterSettle', () => resolve('settled'), {once: true});"
    " document.addEventListener('htmx:afterRequest', (e) => {"
    "   if (!e.detail.successful) resolve('refused'); }, {once: true});"
    " document.addEventListener('htmx:targetError', () => resolve('no target'), {once: true});"
    " setTimeout(() => resolve('no answer'), 10000);"
    f" if (!({FILL_AND_SUBMIT})(args)) resolve(''); }})"
)


def test_no_form_echoes_a_script_that_runs(page, live_server, probed, physio):
    _users, objects = probed
    forms = [
        f
        for f in distinct_forms(crawl_as(Client(), physio, "physio", objects["own"]).forms)
        if f.index is not None and not urlsplit(f.action).path.startswith(NOT_IN_THE_BROWSER)
    ]
    assert len(forms) >= 25, len(forms)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, physio.email)
    submitted = 0
    for form in forms:
        response = page.goto(live_server.url + form.page)
        if response is None or response.status >= 400:
            continue  # an earlier submission changed the world (a discharge, a deletion)
        still_there = page.evaluate(
            "([index, path]) => { const f = document.querySelectorAll('form')[index];"
            " return Boolean(f) && new URL(f.action, location.href).pathname === path; }",
            [form.index, urlsplit(form.action).path],
        )
        if not still_there:
            continue  # an earlier submission changed the page (a notification read, a step moved)
        if form.htmx and page.evaluate("() => Boolean(window.htmx)"):
            # Wait for htmx to have swapped in (and settled) the answer, scripts and all.
            outcome = page.evaluate(SUBMIT_AND_SETTLE, [form.index, XSS])
            if not outcome:
                continue
            assert outcome != "no answer", form.action
        else:
            # "load": a payload in an image's onerror runs only once the image has failed. The
            # patient page behind a redirect loads its sections and charts: on a busy CI
            # machine that took more than the default 10 s once.
            with page.expect_navigation(wait_until="load", timeout=30_000):
                if not page.evaluate(FILL_AND_SUBMIT, [form.index, XSS]):
                    continue
        submitted += 1
        assert not dialogs, (form.action, dialogs)
        assert "/accounts/login/" not in page.url, form.action  # still signed in
    assert submitted >= 20, submitted
    assert dialogs == []
