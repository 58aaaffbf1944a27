"""Tenancy: the one place that decides which clinic a request works in and what it may see.

Every view that shows clinic data goes through here:

- `CurrentClinicMiddleware` (see middleware.py) puts `request.membership` and `request.clinic`
  on each signed-in request: the staff member's current clinic (kept in the session,
  switchable when they belong to several) or the athlete's own clinic.
- `staff_required` / `clinical_staff_required` / `lead_required` / `athlete_required` guard
  views by role: the wrong role gets a 403.
- `get_visible_or_404(queryset, request, public_id, write=...)` looks an object up inside what
  the request may see (`queryset.visible_to(membership)`): an object of another clinic, or
  one outside a coach's or athlete's reach, is a 404 whether or not it exists; a write by a
  read-only role is a 403.

Models that hold clinic data give their queryset a `visible_to(membership)` method
(`ClinicScopedQuerySet` is the default: the membership's clinic).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

from .models import CLINICAL_ROLES, STAFF_ROLES, Clinic, Membership, Role

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

SESSION_CLINIC_KEY = "rtr_current_clinic"

M = TypeVar("M", bound=models.Model)
View = Callable[..., "HttpResponseBase"]


class ClinicScopedQuerySet(models.QuerySet[M]):
    """Default scoping for models with a `clinic` foreign key."""

    clinic_field = "clinic"

    def for_clinic(self, clinic: Clinic) -> ClinicScopedQuerySet[M]:
        return self.filter(**{self.clinic_field: clinic})

    def visible_to(self, membership: Membership | None) -> ClinicScopedQuerySet[M]:
        if membership is None:
            return self.none()
        return self.for_clinic(membership.clinic)


class ScopedQuerySet(Protocol):
    def visible_to(self, membership: Membership | None) -> models.QuerySet[Any]: ...


def memberships_of(user: Any) -> list[Membership]:
    """Active memberships of a user, clinic loaded, in a stable order (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("clinic")
        .order_by("clinic__name", "clinic_id")
    )


def choose_membership(memberships: list[Membership], wanted: str | None) -> Membership | None:
    """The membership for the session's current clinic, or the first one."""
    if not memberships:
        return None
    if wanted:
        for membership in memberships:
            if str(membership.clinic.public_id) == wanted:
                return membership
    return memberships[0]


def switch_clinic(request: HttpRequest, clinic_public_id: UUID) -> Membership:
    """Make another of the user's clinics the current one; a clinic they are not in is a 404."""
    memberships: list[Membership] = getattr(request, "memberships", [])
    for membership in memberships:
        if membership.clinic.public_id == clinic_public_id and membership.is_staff_role:
            request.session[SESSION_CLINIC_KEY] = str(clinic_public_id)
            return membership
    raise Http404


def _require(predicate: Callable[[Membership], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership: Membership | None = getattr(request, "membership", None)
            if membership is None or not predicate(membership):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


#: Any clinic staff member (lead, physio, coach).
staff_required = _require(lambda m: m.role in STAFF_ROLES)
#: Staff who work with clinical data (lead, physio); coaches are read-only collaborators.
clinical_staff_required = _require(lambda m: m.role in CLINICAL_ROLES)
#: The clinic lead only.
lead_required = _require(lambda m: m.role == Role.LEAD)
#: An athlete, for the pages about themself.
athlete_required = _require(lambda m: m.role == Role.ATHLETE)


def get_visible_or_404[M: models.Model](
    queryset: models.QuerySet[M],
    request: HttpRequest,
    public_id: UUID | str,
    *,
    write: bool = False,
) -> M:
    """The object with this public id among those the request may see.

    Another clinic's object is a 404 (existence is never revealed); `write=True` by a role
    that may not change clinical data (a coach, an athlete) is a 403.
    """
    membership: Membership | None = getattr(request, "membership", None)
    visible = queryset.visible_to(membership)  # type: ignore[attr-defined]
    try:
        obj: M = visible.get(public_id=public_id)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and (membership is None or membership.role not in CLINICAL_ROLES):
        raise PermissionDenied
    return obj
