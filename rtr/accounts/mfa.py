"""Two-factor sign-in for staff (allauth.mfa: TOTP with recovery codes).

Who needs it: every clinic lead and Django administrator; physios and coaches when their clinic
says so (`Clinic.clinicians_need_two_factor`, on by default); athletes never. A person who needs
it reaches no page of the app until this session has passed a second factor:

- with an authenticator set up, allauth asks for the code during sign-in, and records it in the
  session; a session that somehow began without it (an old session, a sign-in path that skipped
  the step) is signed out;
- without one yet, every page leads to the set-up page until the app is set up (setting it up
  proves the code, so that session counts as verified).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Role

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from .models import Membership, User

# Pages a person who still has to pass or set up the second factor may open.
OPEN_PREFIXES = ("/accounts/", "/static/", "/health/", "/favicon")


def two_factor_required(user: User, memberships: Iterable[Membership]) -> bool:
    """Whether this person must sign in with a second factor (see the module docstring)."""
    if user.is_staff or user.is_superuser:
        return True
    for membership in memberships:
        if membership.role == Role.LEAD:
            return True
        if membership.is_staff_role and membership.clinic.clinicians_need_two_factor:
            return True
    return False


def session_passed_second_factor(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def current_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` now (or at the given Unix time): for
    the demo lead's `make demo-code` and for tests that sign in through the real forms."""
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    code: str = format_hotp_value(hotp_value(secret, counter))
    return code


def has_authenticator_app(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


@receiver(authenticator_added)
def _setting_up_counts_as_passing(
    sender: object, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: object
) -> None:
    """Activating the app needs a valid code from it: this session has shown the second factor."""
    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", type="totp", id=authenticator.pk)


class SecondFactorMiddleware:
    """Keeps people who need a second factor away from every page until this session has one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and two_factor_required(user, getattr(request, "memberships", []))
            and not session_passed_second_factor(request)
        ):
            if has_authenticator_app(user):
                logout(request)
                messages.info(request, _("Please sign in again with your authenticator code."))
                return redirect_to_login(request.get_full_path())
            messages.info(
                request,
                _(
                    "Your clinic asks you to sign in with a second factor. Set up an "
                    "authenticator app to continue."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
