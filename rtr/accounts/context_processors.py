from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """The current membership and clinic, for the navigation and page headers."""
    membership = getattr(request, "membership", None)
    memberships = getattr(request, "memberships", [])
    return {
        "membership": membership,
        "current_clinic": getattr(request, "clinic", None),
        "other_clinics": [m for m in memberships if m is not membership and m.is_staff_role],
    }
