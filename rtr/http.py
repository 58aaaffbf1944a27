"""Request types for views: what the middleware stack guarantees on a signed-in request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from rtr.accounts.models import Clinic, Membership, User


class AuthedRequest(HttpRequest):
    user: User
    membership: Membership | None
    memberships: list[Membership]
    clinic: Clinic | None
    htmx: HtmxDetails
