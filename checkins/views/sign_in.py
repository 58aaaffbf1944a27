"""Sign-in by link: the athlete's public link page, and the care team sending or cancelling
an athlete's links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from checkins import services
from patients.models import Patient
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404
from rtr.http import rate_limit

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
@rate_limit(key="ip", rate="20/m", method="GET")
@rate_limit(key="ip", rate="5/h", method="POST")
def link_sign_in(request: AuthedRequest, token: str) -> HttpResponse:
    """Public: an athlete's signed link signs them in for the check-in, once. A used link's
    page offers a new one (POST), e-mailed to the address on the athlete's account."""
    try:
        link = services.signin_link_resolve(token)
        if request.user.is_authenticated and request.user.pk != link.user_id:
            return render(
                request,
                "checkins/link_invalid.html",
                {
                    "reason": _(
                        "This link is for another account. Sign out first, then open it again."
                    ),
                    "signed_in": True,
                },
                status=409,
            )
        if request.method == "POST":
            return redirect("checkins:link_sign_in", token=token)
        services.signin_link_used(link)  # spent before the sign-in: a second use is refused
    except services.LinkError as error:
        used = error.link
        if used is not None and request.user.is_authenticated and request.user.pk == used.user_id:
            return redirect("athlete_home")  # already signed in (by this link): nothing to refuse
        if used is not None and request.method == "POST":
            _email_a_new_link(used.user)
            return render(request, "checkins/link_renewed.html")
        return render(
            request,
            "checkins/link_invalid.html",
            {"reason": error.message, "renew": used is not None},
            status=error.status,
        )
    if not request.user.is_authenticated:
        login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("athlete_home")


def _email_a_new_link(user: Any) -> None:
    """A fresh link to the athlete's own address (the page says the same whatever happens)."""
    patient = Patient.objects.filter(user=user).select_related("clinic", "user").first()
    if patient is None:
        return
    try:
        services.signin_link_email(patient=patient)
    except ValidationError:
        return  # no longer an athlete: no link, and the page does not say why


@require_POST
@clinical_staff_required
def send_sign_in_link(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("user", "clinic"), request, patient_id, write=True
    )
    if patient.user is None:
        messages.error(request, _("The athlete has no account yet: send the invitation first."))
        return redirect("patients:detail", patient_id=patient.public_id)
    try:
        services.signin_link_email(patient=patient)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("patients:detail", patient_id=patient.public_id)
    messages.success(
        request, _("A sign-in link was e-mailed to %(email)s.") % {"email": patient.user.email}
    )
    return redirect("patients:detail", patient_id=patient.public_id)


@require_POST
@clinical_staff_required
def revoke_sign_in_links(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("user"), request, patient_id, write=True
    )
    count = services.signin_links_revoke(user=patient.user) if patient.user else 0
    messages.success(request, _("%(n)s sign-in link(s) cancelled.") % {"n": count})
    return redirect("patients:detail", patient_id=patient.public_id)
