"""Tells the service worker (templates/pwa/sw.js) whose page a response is, and which pages
it may keep on the phone: only the athlete's own today page, written plan and history.

`X-RTR-Who` is `athlete:<the account's public id>`, `staff` or `anonymous`: the worker keeps
an athlete's pages only while that athlete is the one signed in, and drops them as soon as a
staff member, nobody, or another athlete is. `X-RTR-Offline: keep` marks a page it may keep.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

OFFLINE_PAGES = frozenset({"athlete_home", "protocols:my_plan", "checkins:history"})


def who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    membership = getattr(request, "membership", None)
    if membership is not None and membership.is_athlete and not user.is_staff:
        return f"athlete:{user.public_id}"
    return "staff"


class DeviceCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        person = who(request)
        response["X-RTR-Who"] = person
        match = request.resolver_match
        if (
            person.startswith("athlete:")
            and request.method == "GET"
            and response.status_code == 200
            and match is not None
            and match.view_name in OFFLINE_PAGES
            and not request.headers.get("HX-Request")
        ):
            response["X-RTR-Offline"] = "keep"
        return response
