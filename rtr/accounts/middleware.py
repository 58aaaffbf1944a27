"""Puts the current clinic on every signed-in request and shows times in the clinic's zone; keeps
signed-in responses out of every cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.cache import patch_cache_control

from .tenancy import SESSION_CLINIC_KEY, choose_membership, memberships_of

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


class CurrentClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships = memberships_of(request.user)
        membership = choose_membership(memberships, request.session.get(SESSION_CLINIC_KEY))
        request.memberships = memberships  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic if membership else None  # type: ignore[attr-defined]
        if membership is not None:
            timezone.activate(membership.clinic.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in person.

    Signed-in pages carry health data: no browser back-button cache, shared proxy or disk cache
    may keep them. A response that becomes signed-in during the request (the e-mailed sign-in
    link, an accepted invitation) counts too. A response the view marks `no_patient_data`
    (the app manifest and the service worker script, the same for everyone) keeps its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if (signed_in or request.user.is_authenticated) and not getattr(
            response, "no_patient_data", False
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
