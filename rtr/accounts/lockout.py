"""django-axes hooks: which account a failed sign-in counts against, the lockout page, and the
owner's way back in (a password reset by e-mail lifts the account's lock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.utils import reset
from django.conf import settings
from django.shortcuts import render

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


def normalise_email(value: object) -> str:
    """One account, however it is typed: case and surrounding whitespace do not count."""
    return str(value or "").strip().lower()


def username_from_credentials(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address tried, from allauth's credentials, the admin's, or the posted form."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None:
        data = getattr(request, "POST", {})
        value = data.get("login") or data.get("username") or data.get("email")
    return normalise_email(value)


def lift_lock_after_password_reset(
    sender: object, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    """allauth's password_reset signal: whoever could read the e-mail is the owner; their
    account's lock ends (allauth clears its own counter for them at the same moment)."""
    reset(username=normalise_email(user.email))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "account/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
