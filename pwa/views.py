"""The installable app: manifest, service worker, the phone's check-in queue, push devices."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkins import offline, services
from checkins.forms import checkin_form_for
from checkins.models import ReminderChannel, ReminderPreference
from checkins.selectors import my_patient
from checkins.warning_signs import push
from rtr.accounts.tenancy import athlete_required
from rtr.http import rate_limit

from .middleware import who

if TYPE_CHECKING:
    from rtr.http import AuthedRequest

# The service worker's own policy: it fetches only from this site.
WORKER_CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'"
# What the phone keeps for offline use before any page: the look of the pages and the
# page shown for one that is not on the phone.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "css/rtr.css",
    "vendor/htmx/htmx.min.js",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "js/rtr.js",
    "js/checkin.js",
    "js/queue.js",
    "js/pwa.js",
    "img/favicon.svg",
    "img/icon-192.png",
)


@login_not_required
@require_GET
def manifest(request: AuthedRequest) -> HttpResponse:
    data = {
        "name": "RTR – return to running",
        "short_name": "RTR",
        "description": _("Your daily check-in and today's session."),
        "id": "/me/",
        "start_url": reverse("athlete_home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "lang": settings.LANGUAGE_CODE,
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(json.dumps(data), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    response.no_patient_data = True  # type: ignore[attr-defined]  # the same for everyone
    return response


@login_not_required
@require_GET
def service_worker(request: AuthedRequest) -> HttpResponse:
    shell = [static(path) for path in SHELL_STATIC] + [reverse("pwa:offline")]
    response = render(
        request,
        "pwa/sw.js",
        {
            "shell": shell,
            # A new version of any kept file (hashed names in production) is a new worker.
            "version": hashlib.sha256("|".join(shell).encode()).hexdigest()[:12],
            "queue_js": static("js/queue.js"),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker every time
    response["Content-Security-Policy"] = WORKER_CSP
    response.no_patient_data = True  # type: ignore[attr-defined]  # the same for everyone
    return response


@login_not_required
@require_GET
def offline_page(request: AuthedRequest) -> HttpResponse:
    """Shown by the service worker for a page that is not on the phone (no one's data in it)."""
    return render(request, "pwa/offline.html")


@never_cache
@login_not_required
@require_GET
def session(request: AuthedRequest) -> JsonResponse:
    """Who is signed in, for the phone's queue: it sends a check-in only for its own athlete."""
    person = who(request)
    return JsonResponse(
        {
            "athlete": person.removeprefix("athlete:") if person.startswith("athlete:") else None,
            "csrf": get_token(request),
        }
    )


@require_POST
@rate_limit(key="user", rate="20/m", method="POST")
@athlete_required
def checkin_sync(request: AuthedRequest) -> JsonResponse:
    """A check-in kept on the phone while offline, sent now (JSON answer for the queue)."""
    patient = my_patient(request)
    if patient is None:
        return JsonResponse({"message": _("There is no patient record for you yet.")}, status=409)
    if request.POST.get("athlete") != str(request.user.public_id):
        return JsonResponse(
            {"message": _("This check-in was saved on this phone for another account.")},
            status=409,
        )
    try:
        client_id = offline.client_id_from(request.POST)
    except ValidationError as error:
        return JsonResponse({"message": " ".join(error.messages)}, status=400)
    if client_id is None:
        return JsonResponse({"message": _("This check-in has no id from your phone.")}, status=400)
    form = checkin_form_for(patient, request.POST)
    if not form.is_valid():
        return JsonResponse(
            {
                "message": _("Some answers were missing or not valid: please fill it in again."),
                "errors": {name: [str(e) for e in errs] for name, errs in form.errors.items()},
            },
            status=400,
        )
    try:
        checkin, _created = services.checkin_submit(
            patient=patient,
            by=request.user,
            day=form.cleaned_data["date"],
            data=form.checkin_data(),
            client_id=client_id,
        )
    except ValidationError as error:
        return JsonResponse({"message": " ".join(error.messages)}, status=400)
    return JsonResponse(
        {
            "status": "sent",
            "checkin": str(checkin.public_id),
            "done_url": reverse("checkins:done", args=[checkin.public_id]),
        }
    )


def _topics_for(request: AuthedRequest) -> set[str]:
    membership = request.membership
    if membership is not None and membership.is_athlete:
        return {"reminders", "plan_changes"}
    return {"urgent_flags"}


@require_http_methods(["GET", "POST"])
def devices(request: AuthedRequest) -> HttpResponse:
    """Notifications on this device (push), and how reminders are sent (e-mail or push)."""
    topics = _topics_for(request)
    preference = ReminderPreference.objects.filter(user=request.user).first()
    if request.method == "POST":
        channel = request.POST.get("reminders_by", "")
        if "reminders" not in topics or channel not in ReminderChannel.values:
            return render(
                request,
                "pwa/devices.html",
                {
                    "topics": topics,
                    "preference": preference,
                    "error": _("Choose how to get reminders."),
                },
                status=400,
            )
        ReminderPreference.objects.update_or_create(
            user=request.user, defaults={"channel": channel}
        )
        messages.success(request, _("Saved: how you get your check-in reminders."))
        return redirect("pwa:devices")
    return render(
        request,
        "pwa/devices.html",
        {
            "topics": topics,
            "preference": preference,
            "vapid_public_key": settings.RTR_VAPID_PUBLIC_KEY if push.is_configured() else "",
            "count": request.user.push_subscriptions.count(),
        },
    )


@require_POST
def push_subscribe(request: AuthedRequest) -> JsonResponse:
    """Save this browser's push subscription (JSON from PushManager.subscribe)."""
    try:
        data = json.loads(request.body or b"{}")
        endpoint = str(data["endpoint"])
        keys = data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
        wanted = {str(t) for t in data.get("topics", [])}
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"message": _("This device's subscription could not be read.")}, status=400
        )
    if not push.endpoint_acceptable(endpoint):
        return JsonResponse(
            {"message": _("This device's subscription could not be read.")}, status=400
        )
    if len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100 or not p256dh or not auth:
        return JsonResponse(
            {"message": _("This device's subscription could not be read.")}, status=400
        )
    allowed = _topics_for(request)
    if not wanted or not wanted <= allowed:
        return JsonResponse(
            {"message": _("Choose what to be told about on this device.")}, status=400
        )
    push.subscription_save(
        user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth, topics=wanted
    )
    return JsonResponse({"status": "subscribed"})


@require_POST
def push_unsubscribe(request: AuthedRequest) -> JsonResponse:
    try:
        endpoint = str(json.loads(request.body or b"{}")["endpoint"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"message": _("This device's subscription could not be read.")}, status=400
        )
    push.subscription_remove(user=request.user, endpoint=endpoint)
    return JsonResponse({"status": "unsubscribed"})
