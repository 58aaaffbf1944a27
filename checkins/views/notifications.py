"""The signed-in person's in-app notifications: the list, and marking them read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from checkins.models import Notification
from checkins.warning_signs import notifications

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    items = Notification.objects.in_app_for(request.user).order_by("-created_at")[:100]
    return render(request, "checkins/notifications.html", {"items": items})


@require_POST
def notifications_read(request: AuthedRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()] or None
    notifications.mark_read(user=request.user, notification_ids=ids)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return redirect(next_url)
    return redirect("checkins:notifications")
