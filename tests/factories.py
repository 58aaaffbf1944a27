"""Plain factory functions. `clinic` is always a required keyword: no hidden second tenant."""

from __future__ import annotations

import itertools
import time
from typing import Any

from rtr.accounts.models import STAFF_ROLES, Clinic, Membership, Role, User

_seq = itertools.count(1)

PASSWORD = "correct-horse-battery-9"


def make_clinic(**overrides: Any) -> Clinic:
    overrides.setdefault("name", f"Clinic {next(_seq)}")
    overrides.setdefault("time_zone", "Europe/London")
    return Clinic.objects.create(**overrides)


def make_user(**overrides: Any) -> User:
    n = next(_seq)
    overrides.setdefault("email", f"user{n}@example.org")
    overrides.setdefault("first_name", "Test")
    overrides.setdefault("last_name", f"Person{n}")
    password = overrides.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **overrides)


def make_member(
    *, clinic: Clinic, role: str = Role.PHYSIO, two_factor: bool = True, **overrides: Any
) -> User:
    """A user with a membership of `role` in `clinic`. Staff have an authenticator app set up
    (as a clinic requires), unless `two_factor=False`."""
    user = make_user(**overrides)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    if two_factor and role in STAFF_ROLES:
        add_authenticator_app(user)
    return user


def add_authenticator_app(user: User) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


def authenticator_code(user: User, *, at: float | None = None) -> str:
    """The code the user's authenticator app shows now (or at the given Unix time)."""
    from allauth.mfa.models import Authenticator

    from rtr.accounts.mfa import current_code

    secret = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    if at is None:
        wait_for_a_fresh_code_window()
    return current_code(secret, at=at)


def wait_for_a_fresh_code_window(margin: float = 5.0) -> None:
    """When the current 30-second code is about to expire, wait for the next one to start.

    A code read in the last moment of its window and checked after it is refused (allauth
    allows no drift by default); a browser sign-in on a busy machine took longer than that
    once in CI, so a code is only read with `margin` seconds of its window left.
    """
    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)  # waits for the clock to reach the next window, not for a result


def sign_in(client: Any, email: str, password: str = PASSWORD, *, code: str | None = None) -> Any:
    """Sign in through the real forms: the password, then, if asked, `code` or else the code
    the authenticator app shows now (a code is accepted once: use a recovery code to sign the
    same person in twice within 30 seconds)."""
    from django.urls import reverse

    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        user = User.objects.get(email__iexact=email)
        code = code or authenticator_code(user)
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    return response
