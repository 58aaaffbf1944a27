"""Request types for views and the typed decorators views share.

`AuthedRequest` is what the middleware stack guarantees on a signed-in request. `rate_limit` is
django-ratelimit's decorator with a type: the library ships none, and an untyped decorator would
leave every view it wraps untyped for mypy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_ratelimit.decorators import ratelimit

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from rtr.accounts.models import Clinic, Membership, User


class AuthedRequest(HttpRequest):
    user: User
    membership: Membership | None
    memberships: list[Membership]
    clinic: Clinic | None
    htmx: HtmxDetails


def rate_limit[View: Callable[..., HttpResponseBase]](
    *, key: str, rate: str, method: str
) -> Callable[[View], View]:
    """Refuse a caller over `rate` for `method` (the RATELIMIT_VIEW page answers, 429).

    Always blocking: a limit that only marks the request would rely on every view to look.
    """
    decorator: Callable[[View], View] = ratelimit(key=key, rate=rate, method=method, block=True)
    return decorator
