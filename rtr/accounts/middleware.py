"""Puts the current clinic on every signed-in request and shows times in the clinic's zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone

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
