"""Sessions (idle timeout for staff, absolute lifetime, sign out everywhere, deactivation) and
production settings (check --deploy clean, __Host- cookies, no debug in production)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, sign_in

ROOT = Path(settings.BASE_DIR)


def signed_in(user, code: str | None = None) -> Client:
    client = Client()
    assert sign_in(client, user.email, code=code).status_code == 302
    return client


def test_staff_are_signed_out_after_15_idle_minutes(physio):
    client = signed_in(physio)
    later = timezone.now() + timedelta(minutes=14)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("staff_home")).status_code == 200
    with time_machine.travel(later + timedelta(minutes=14), tick=False):
        assert client.get(reverse("staff_home")).status_code == 200  # active 14 minutes ago
    with time_machine.travel(later + timedelta(minutes=30), tick=False):
        response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_a_page_refreshing_itself_is_not_activity(physio):
    client = signed_in(physio)
    start = timezone.now()
    for minutes in (5, 10, 14):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert (
                client.get(
                    reverse("checkins:flag_queue"),
                    headers={"HX-Request": "true", "X-RTR-Poll": "1"},
                ).status_code
                == 200
            )
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert client.get(reverse("staff_home")).status_code == 302


def test_athletes_are_not_idle_timed_out_but_every_session_ends_after_12_hours(athlete):
    client = signed_in(athlete)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert client.get(reverse("athlete_home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=5), tick=False):
        response = client.get(reverse("athlete_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_session_key_changes_at_sign_in(physio):
    client = Client()
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "fixated-session-key"
    client.post(reverse("account_login"), {"login": physio.email, "password": PASSWORD})
    assert client.session.session_key != "fixated-session-key"


def test_sign_out_everywhere_ends_other_sessions(physio):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(physio).get_unused_codes()
    phone, laptop = signed_in(physio), signed_in(physio, codes[0])
    assert laptop.get(reverse("staff_home")).status_code == 200
    phone.post(reverse("account"), {"action": "sign_out_everywhere"})
    assert laptop.get(reverse("staff_home")).status_code == 302
    new = signed_in(physio, codes[1])
    assert new.get(reverse("staff_home")).status_code == 200  # a new sign-in works


def test_deactivating_a_user_ends_their_sessions(physio):
    client = signed_in(physio)
    physio.is_active = False
    physio.save()
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "RTR_", "DATABASE_URL", "EMAIL_URL"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "sqlite:////tmp/rtr-deploy-check.db",
            "DJANGO_ALLOWED_HOSTS": "rtr.example.org",
            "EMAIL_URL": "smtp+tls://rtr:secret@smtp.example.org:587",
            "RTR_ENVIRONMENT": "production",
            "DJANGO_SETTINGS_MODULE": "rtr.settings.base",
            **extra,
        }
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_host_prefixed_secure_cookies():
    code = "import rtr.settings.base as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "__Host-rtr_session",
        "__Host-rtr_csrftoken",
        "True",
        "True",
    ], result.stderr


def test_production_refuses_debug():
    result = subprocess.run(
        [sys.executable, "-c", "import rtr.settings.base"],
        cwd=ROOT,
        env=_production_env(DJANGO_DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "'unsafe-inline'" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in response


@pytest.mark.parametrize("url", ["consolemail://", "filemail:///tmp/rtr-mails"])
def test_production_refuses_an_e_mail_backend_that_prints_or_files(url):
    """Issue 24.5: printed e-mails put live sign-in links and addresses into the logs."""
    refused = subprocess.run(
        [sys.executable, "-c", "import rtr.settings.base"],
        cwd=ROOT,
        env=_production_env(EMAIL_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "RTR_ALLOW_CONSOLE_EMAIL" in refused.stderr and "EMAIL_URL" in refused.stderr
    demo = subprocess.run(
        [sys.executable, "-c", "import rtr.settings.base as s; print(s.MAILERS['default'])"],
        cwd=ROOT,
        env=_production_env(EMAIL_URL=url, RTR_ALLOW_CONSOLE_EMAIL="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert demo.returncode == 0, demo.stderr
    debug = subprocess.run(
        [sys.executable, "-c", "import rtr.settings.base"],
        cwd=ROOT,
        env=_production_env(EMAIL_URL=url, DJANGO_DEBUG="1", RTR_ENVIRONMENT="development"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert debug.returncode == 0, debug.stderr  # make run prints its e-mails


def test_the_compose_file_allows_its_demo_e_mail_explicitly():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "RTR_ALLOW_CONSOLE_EMAIL: ${RTR_ALLOW_CONSOLE_EMAIL:-1}" in compose
    assert "EMAIL_URL: ${EMAIL_URL:-consolemail://}" in compose
