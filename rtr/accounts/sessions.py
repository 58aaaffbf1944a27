"""Session policy: staff sessions end after inactivity; every session has an absolute lifetime
(SESSION_COOKIE_AGE, with the session's start kept in it); "sign out everywhere" ends the
sessions a user started before that moment. Django already rotates the session key at sign-in
and refuses deactivated users."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "rtr_signed_in_at"
LAST_SEEN = "rtr_last_seen"
TOUCH_EVERY = 30  # seconds: the last-seen time is written at most this often


@receiver(user_logged_in)
def _remember_sign_in(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            started = session.get(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            membership = getattr(request, "membership", None)
            staff = membership is not None and membership.is_staff_role
            reason = None
            if user.sessions_valid_after and started < user.sessions_valid_after.timestamp():
                reason = _("You were signed out on all devices.")
            elif now - started > settings.SESSION_COOKIE_AGE:
                reason = _("Your session has ended: please sign in again.")
            elif staff and now - last_seen > settings.RTR_STAFF_IDLE_TIMEOUT_SECONDS:
                reason = _("You were signed out after %(minutes)s minutes without activity.") % {
                    "minutes": settings.RTR_STAFF_IDLE_TIMEOUT_SECONDS // 60
                }
            if reason:
                logout(request)
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            session.setdefault(SIGNED_IN_AT, now)
            # A page refreshing itself (the queue, the system panel) is not the person being active.
            polling = request.headers.get("X-RTR-Poll") == "1"
            if not polling and now - last_seen > TOUCH_EVERY:
                session[LAST_SEEN] = now
        return self.get_response(request)
