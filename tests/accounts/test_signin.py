from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.factories import PASSWORD

LOGIN = reverse("account_login")


def sign_in(client, email: str, password: str):
    return factories.sign_in(client, email, password)


@pytest.mark.django_db
def test_sign_in_page_is_public_and_has_labelled_fields(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_login"' in html
    assert 'for="id_password"' in html
    assert 'autocomplete="current-password"' in html
    # One link for a forgotten password, under the button (issue 17), not a second in the
    # password's help text.
    assert html.count('href="/accounts/password/reset/"') == 1


def test_physio_signs_in_with_email_and_lands_on_staff_home(client, physio):
    response = sign_in(client, physio.email.upper(), PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.redirect_chain[-1][0] == reverse("staff_home")
    assert "Dashboard" in home.content.decode()


def test_wrong_password_shows_a_clear_error_and_no_session(client, physio):
    response = sign_in(client, physio.email, "not-the-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_email_gets_the_same_error(client, physio):
    response = sign_in(client, "nobody@example.org", "whatever-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def _fail_from_many_addresses(email: str, count: int) -> None:
    """Failures spread so that no address reaches the per-pair throttle (tests/accounts/test_lockout.py)."""
    for i in range(count):
        attempt_client = Client(REMOTE_ADDR=f"10.1.{i // 4}.{i % 4 + 1}")
        attempt_client.post(LOGIN, {"login": email, "password": "wrong-password-1"})


def test_nth_failure_locks_the_account_and_says_so(client, physio, settings):
    _fail_from_many_addresses(physio.email, settings.AXES_FAILURE_LIMIT)
    locked = sign_in(client, physio.email, "wrong-password-1")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "locked for 15 minutes" in text
    # Even the right password is refused while the lock lasts.
    right = sign_in(client, physio.email, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_cool_off(client, physio, settings):
    _fail_from_many_addresses(physio.email, settings.AXES_FAILURE_LIMIT)
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        response = sign_in(client, physio.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(physio.pk)


def test_lockout_of_one_account_leaves_another_alone(client, physio, lead, settings):
    _fail_from_many_addresses(physio.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, lead.email, PASSWORD).status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(client, physio):
    client.force_login(physio)
    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page
    assert "_auth_user_id" in client.session
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_sets_a_new_password(client, physio):
    response = client.post(reverse("account_reset_password"), {"email": physio.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password(new_password)


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert all("reset/key" not in m.body for m in mail.outbox)


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from rtr.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_self_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "long-enough-pass-1",
            "password2": "long-enough-pass-1",
        },
    )
    assert response.status_code == 200
    assert "by invitation" in response.content.decode()
    from rtr.accounts.models import User

    assert not User.objects.filter(email="new@example.org").exists()
