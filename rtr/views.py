"""Project-level pages: the home page for each role, clinic switching, health and status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING
from uuid import UUID

from allauth.mfa.models import Authenticator
from django import db
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rtr import services
from rtr.accounts.forms import ClinicDetailsForm, ClinicTwoFactorForm
from rtr.accounts.models import Clinic, Membership
from rtr.accounts.services import clinic_details_set, clinic_two_factor_set
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
    lead_required,
    staff_required,
    switch_clinic,
)
from rtr.health import run_checks
from rtr.models import TaskProbe, WorkerHeartbeat
from rtr.panels import athlete_home_context, panels_for
from rtr.references import REFERENCES, explanation_of_tags
from rtr.service_views import call_service

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """Send each person to their own start page."""
    membership = request.membership
    if membership is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        raise PermissionDenied(_("Your account is not a member of any clinic yet."))
    if membership.is_athlete:
        return redirect("athlete_home")
    return redirect("staff_home")


@require_GET
@staff_required
def staff_home(request: AuthedRequest) -> HttpResponse:
    return render(request, "rtr/staff_home.html", {"panels": panels_for(request, "staff")})


@require_GET
@athlete_required
def athlete_home(request: AuthedRequest) -> HttpResponse:
    return render(request, "rtr/athlete_home.html", athlete_home_context(request))


@require_POST
@staff_required
def clinic_switch(request: AuthedRequest, clinic_id: UUID) -> HttpResponse:
    membership = switch_clinic(request, clinic_id)
    messages.success(
        request, _("You are now working in %(clinic)s.") % {"clinic": membership.clinic}
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    return redirect(next_url or "staff_home")


@require_http_methods(["GET", "POST"])
def account(request: AuthedRequest) -> HttpResponse:
    """The signed-in person's account: password, and signing out on every device."""
    if request.method == "POST" and request.POST.get("action") == "sign_out_everywhere":
        user = request.user
        user.sessions_valid_after = timezone.now()
        user.save(update_fields=["sessions_valid_after"])
        logout(request)
        messages.info(request, _("You are signed out on every device."))
        return redirect_to_login("/")
    return render(request, "rtr/account.html")


@login_not_required
def rate_limited(request: AuthedRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many requests from one address or account: 429 with a plain explanation."""
    return render(request, "rtr/rate_limited.html", status=429)


@require_GET
@never_cache
@login_not_required
def health(request: AuthedRequest) -> JsonResponse:
    """Unauthenticated reachability check for load balancers and compose: 200 or 503."""
    checks = run_checks()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
@clinical_staff_required
def system_status(request: AuthedRequest) -> HttpResponse:
    context = {
        "checks": run_checks(),
        "heartbeats": WorkerHeartbeat.objects.all()[:5],
        "probes": TaskProbe.objects.filter(requested_by=request.user)[:5],
    }
    if request.htmx:
        return render(request, "rtr/system_status.html#status-panel", context)
    return render(request, "rtr/system_status.html", context)


@require_POST
@clinical_staff_required
def system_status_probe(request: AuthedRequest) -> HttpResponse:
    services.task_probe_send(user=request.user)
    messages.info(request, _("A test task was sent to the worker."))
    return redirect("system_status")


@require_GET
@clinical_staff_required
def clinic_members(request: AuthedRequest) -> HttpResponse:
    members = (
        Membership.objects.visible_to(request.membership)
        .select_related("user")
        .annotate(
            has_two_factor=Exists(
                Authenticator.objects.filter(
                    user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP
                )
            )
        )
        .order_by("role", "user__last_name", "user__first_name")
    )
    assert request.clinic is not None
    two_factor_form = ClinicTwoFactorForm(
        initial={"clinicians_need_two_factor": request.clinic.clinicians_need_two_factor}
    )
    return render(
        request,
        "rtr/clinic_members.html",
        {
            "members": members,
            "two_factor_form": two_factor_form,
            "details_form": ClinicDetailsForm(instance=request.clinic),
        },
    )


@require_POST
@lead_required
def clinic_details(request: AuthedRequest) -> HttpResponse:
    """The lead sets the clinic's name, contact details (the written plan's letterhead) and
    the unit of distances."""
    clinic = request.clinic
    assert clinic is not None
    form = ClinicDetailsForm(request.POST, instance=Clinic.objects.get(pk=clinic.pk))
    if (
        form.is_valid()
        and call_service(form, lambda: clinic_details_set(clinic=clinic, **form.cleaned_data))
        is not None
    ):
        messages.success(request, _("Clinic details saved."))
        return redirect("clinic_members")
    return render(
        request,
        "rtr/clinic_details_refused.html",
        {"details_form": form},
        status=400,
    )


@require_POST
@lead_required
def clinic_two_factor(request: AuthedRequest) -> HttpResponse:
    """The lead decides whether physios and coaches must use a second factor."""
    assert request.clinic is not None
    form = ClinicTwoFactorForm(request.POST)
    form.is_valid()  # a single optional checkbox: every submission is valid
    required = form.cleaned_data["clinicians_need_two_factor"]
    clinic_two_factor_set(clinic=request.clinic, clinicians_need_two_factor=required)
    if required:
        messages.success(
            request, _("Physiotherapists and coaches now sign in with an authenticator code.")
        )
    else:
        messages.warning(
            request,
            _("Physiotherapists and coaches may now sign in with their password alone."),
        )
    return redirect("clinic_members")


@require_GET
@clinical_staff_required
def clinic_member_detail(request: AuthedRequest, membership_id: UUID) -> HttpResponse:
    member = get_visible_or_404(
        Membership.objects.select_related("user", "clinic"), request, membership_id
    )
    return render(request, "rtr/clinic_member_detail.html", {"member": member})


@require_GET
def references_page(request: HttpRequest) -> HttpResponse:
    """Every source the protocols, rules and thresholds cite, for every signed-in role."""
    return render(
        request,
        "rtr/references.html",
        {"references": REFERENCES.values(), "tags": explanation_of_tags()},
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The error page, without touching the database (it may be what failed).

    A lost or refused database connection is a 503 with Retry-After: the transaction it was in
    is rolled back by PostgreSQL, so the page can say truthfully that nothing was saved.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (db.OperationalError, db.InterfaceError)):
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
