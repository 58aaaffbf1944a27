"""No log line carries a link secret or an e-mail address (issue 24.5): not Django's request
logging (what the configured handler really writes), not gunicorn's access or error log."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from checkins.services import local_today
from patients.models import Patient
from rtr.logging import EMAIL_ADDRESS, redact
from tests.checkins.factories import checkin_post
from tests.patients.factories import make_injury
from tests.protocols.factories import active_plan, library

ROOT = Path(settings.BASE_DIR)
CONTACT = "zoe.quist@example.org"
SECRET = re.compile(r"/(?:login/link|invite|accounts/password/reset/key)/([^/\s\"'<>]+)/")


def test_redact_strips_link_secrets_and_addresses():
    line = (
        '127.0.0.1 "GET /login/link/.eJwNyjE:1xYZ:iS_J9/ HTTP/1.1" 302 "https://h/invite/a.b:c/" '
        "/accounts/password/reset/key/3-abc-12/ to a.b+c@example.org or a%40b.org"
    )
    clean = redact(line)
    assert "eJwNyjE" not in clean and "a.b:c" not in clean and "3-abc-12" not in clean
    assert "@" not in clean and "%40" not in clean
    assert clean.count("[redacted]") == 3
    assert "/patients/0b7e/invite/ " in redact("/patients/0b7e/invite/ ")  # the staff action


@pytest.fixture
def console_output():
    """What the configured console handler writes (the production log), for this test."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        handler.setStream(previous)
        logging.getLogger().setLevel(level)


def _secrets_in(bodies: list[str]) -> set[str]:
    return {m.group(1) for body in bodies for m in SECRET.finditer(body)}


def test_no_log_line_of_a_full_athlete_journey_has_a_token_or_an_address(
    console_output, clinic, physio, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(physio)
    staff.post(
        reverse("patients:create"),
        {
            "first_name": "Zoe",
            "last_name": "Quist",
            "date_of_birth": "1998-08-08",
            "sex": "female",
            "sport": "Running",
            "contact_email": CONTACT,
            "assigned_physio": str(physio.pk),
            "status": "active",
            "consent_given": "on",
        },
    )
    patient = Patient.objects.get(contact_email=CONTACT)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("patients:invite", args=[patient.public_id]))
    invite = re.search(r"/invite/[^/\s]+/", mail.outbox[-1].body).group(0)

    athlete = Client()
    assert athlete.get(invite).status_code == 200
    athlete.post(invite, {"password1": "short", "password2": "other"})  # refused: a 400
    accepted = athlete.post(
        invite, {"password1": "a-long-new-passphrase-7", "password2": "a-long-new-passphrase-7"}
    )
    assert accepted.status_code == 302
    assert Client().get(invite).status_code == 400  # used: logged as a bad request
    patient.refresh_from_db()
    make_injury(patient=patient, by=physio)
    active_plan(patient=patient, template=library(), by=physio)
    athlete.post(
        reverse("checkins:submit"),
        checkin_post(date=str(local_today(patient)), notes="private words"),
    )
    athlete.get(reverse("checkins:history"))
    athlete.post(reverse("account_logout"))

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("checkins:send_link", args=[patient.public_id]))
    link = re.search(r"/login/link/[^/\s]+/", mail.outbox[-1].body).group(0)
    assert Client().get(link).status_code == 302
    again = Client()
    assert again.get(link).status_code == 410  # used: logged as "Gone: <path>"
    with django_capture_on_commit_callbacks(execute=True):
        again.post(link)  # "e-mail me a new link"
    Client().get(link[:-8] + "/")  # a broken link: a 400
    Client().get("/login/link/" + "x" * 40 + "/nope/")  # a 404 under the path
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": CONTACT.upper()})
    reset = re.search(r"/accounts/password/reset/key/[^/\s]+/", mail.outbox[-1].body)
    assert reset
    Client().get(reset.group(0))

    text = console_output.getvalue()
    assert text.count("\n") >= 5 and "[redacted]" in text, text
    secrets = _secrets_in([m.body for m in mail.outbox])
    assert len(secrets) >= 4
    leaked = [s for s in secrets if s in text]
    assert not leaked, text
    for address in (CONTACT, physio.email, CONTACT.upper()):
        assert address not in text
    assert not EMAIL_ADDRESS.search(text), EMAIL_ADDRESS.search(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_and_error_logs_carry_no_link_secret(tmp_path):
    """A real gunicorn started from the repository root, as the image and compose start it."""
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rtr.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "rtr.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access),
            "--error-logfile",
            str(errors),
        ],
        cwd=ROOT,
        env=env,
    )
    token = "eyJsIjoiMTIzIn0:1xYZ1n:SECRETSIGNATUREabc"
    paths = [
        f"/login/link/{token}/",
        f"/invite/{token}/",
        f"/accounts/password/reset/key/{token}/",
        "/accounts/login/?next=/x&login=someone%40example.org",
    ]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"gunicorn did not start: {errors.read_text()}")
                time.sleep(0.2)
        for path in paths:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Referer": f"http://127.0.0.1:{port}/invite/{token}/"},
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=5)
        deadline = time.monotonic() + 10
        while access.read_text().count("\n") < len(paths) + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    lines = access.read_text()
    assert lines.count("/login/link/[redacted]/") == 1, lines
    assert "/invite/[redacted]/" in lines and "/reset/key/[redacted]/" in lines
    assert "SECRETSIGNATURE" not in lines + errors.read_text()
    assert "someone" not in lines and "%40example" not in lines
