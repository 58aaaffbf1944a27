"""Patient registry pages. Thin: look up within the tenancy scope, validate, call a service."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rtr.accounts.tenancy import (
    clinical_staff_required,
    get_visible_or_404,
    lead_required,
    staff_required,
)
from rtr.service_views import call_service, refused_page, render_form

from . import bsi, erasure, export, selectors, services, triad
from .forms import (
    CareTeamForm,
    ErasureForm,
    ImagingForm,
    InjuryForm,
    PatientFilterForm,
    PatientForm,
    PriorInjuryForm,
    SetPasswordForm,
    TriadScreenForm,
)
from .models import Injury, Patient, PatientStatus
from .sections import sections_for

if TYPE_CHECKING:
    from django.forms import Form

    from rtr.http import AuthedRequest

PAGE_SIZE = 25


def _patient(request: AuthedRequest, patient_id: UUID, *, write: bool = False) -> Patient:
    patient = get_visible_or_404(
        Patient.objects.select_related("clinic", "assigned_physio"),
        request,
        patient_id,
        write=write,
    )
    if write and patient.erased_at is not None:
        raise PermissionDenied(
            _("This patient's personal data was erased: the record can no longer be changed.")
        )
    return patient


@require_http_methods(["GET"])
@staff_required
def patient_list(request: AuthedRequest) -> HttpResponse:
    assert request.clinic is not None
    form = PatientFilterForm(request.GET or None, clinic=request.clinic)
    chosen = form.cleaned_data if form.is_valid() else {}
    patients = selectors.patient_list(
        membership=request.membership,
        q=chosen.get("q") or "",
        status=chosen.get("status") or "",
        risk=chosen.get("risk") or "",
        physio=chosen.get("physio") or "",
        sort=chosen.get("sort") or "",
    )
    counts = selectors.patient_counts(membership=request.membership)
    paginator = Paginator(patients, PAGE_SIZE)
    filtered = form.is_valid() and any(
        form.cleaned_data.get(name) for name in ("q", "status", "risk", "physio")
    )
    if not filtered:
        paginator.count = counts["total"]  # unfiltered: the total just counted, not again
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "status_choices": PatientStatus.choices,
        "query": query.urlencode(),
    }
    if request.htmx:
        return render(request, "patients/patient_list.html#results", context)
    return render(request, "patients/patient_list.html", context)


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def patient_create(request: AuthedRequest) -> HttpResponse:
    clinic = request.clinic
    assert clinic is not None
    form = PatientForm(
        request.POST or None, clinic=clinic, initial={"assigned_physio": request.user}
    )
    if request.method == "POST" and form.is_valid():
        patient = call_service(
            form,
            lambda: services.patient_create(clinic=clinic, by=request.user, **form.cleaned_data),
        )
        if patient is not None:
            messages.success(
                request,
                _("%(name)s is registered. Record the injury next.") % {"name": patient.full_name},
            )
            return redirect("patients:injury_create", patient_id=patient.public_id)
    return render_form(request, "patients/patient_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def patient_edit(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    initial = {
        **{field: getattr(patient, field) for field in services.PATIENT_FIELDS},
        "assigned_physio": patient.assigned_physio,
        "consent_given": patient.consent_given_at is not None,
    }
    form = PatientForm(request.POST or None, clinic=patient.clinic, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: services.patient_update(patient=patient, by=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("patients:detail", patient_id=patient.public_id)
    return render_form(request, "patients/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
@staff_required
def patient_detail(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id)
    accessed.send(sender=Patient, instance=patient)  # every view of a patient record is audited
    membership = request.membership
    assert membership is not None
    clinical = membership.is_clinical
    context: dict[str, Any] = {
        "patient": patient,
        "clinical": clinical,
        "care_team": patient.care_team.select_related("user").order_by("role"),
        "sections": sections_for(membership),
    }
    if clinical:
        injuries = list(
            patient.injuries.prefetch_related("imaging").select_related("risk_overridden_by")
        )
        current = next((i for i in injuries if i.is_current), None)
        context.update(
            {
                "current": current,
                "history": [i for i in injuries if not i.is_current],
                "screens": patient.triad_screens.select_related("recorded_by"),
                "prior_injuries": patient.prior_injuries.all(),
                "imaging_form": ImagingForm(),
                "prior_form": PriorInjuryForm(),
                "invitation": patient.invitations.first(),
            }
        )
    return render(request, "patients/patient_detail.html", context)


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def patient_discharge(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    if request.method == "POST":
        try:
            services.patient_discharge(patient=patient, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("patients:detail", patient_id=patient.public_id)
        messages.success(request, _("%(name)s is discharged.") % {"name": patient.full_name})
        return redirect("patients:detail", patient_id=patient.public_id)
    return render(request, "patients/patient_discharge.html", {"patient": patient})


def _injury_initial(injury: Injury) -> dict[str, Any]:
    initial = {field: getattr(injury, field) for field in services.INJURY_FIELDS}
    initial["risk_override"] = injury.risk_category if injury.is_risk_overridden else ""
    initial["risk_override_reason"] = injury.risk_override_reason
    return initial


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def injury_create(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    form = InjuryForm(
        request.POST or None,
        initial={"first_symptoms_on": None, "diagnosed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        injury = call_service(
            form,
            lambda: services.injury_create(patient=patient, by=request.user, **form.cleaned_data),
        )
        if injury is not None:
            messages.success(request, _("Injury recorded."))
            return redirect("patients:detail", patient_id=patient.public_id)
    return render_form(
        request,
        "patients/injury_form.html",
        {"form": form, "patient": patient, "site_facts": _site_facts()},
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def injury_edit(request: AuthedRequest, injury_id: UUID) -> HttpResponse:
    injury = get_visible_or_404(
        Injury.objects.select_related("patient", "patient__clinic"), request, injury_id, write=True
    )
    form = InjuryForm(request.POST or None, initial=_injury_initial(injury))
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: services.injury_update(injury=injury, by=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("Injury saved."))
            return redirect("patients:detail", patient_id=injury.patient.public_id)
    return render_form(
        request,
        "patients/injury_form.html",
        {"form": form, "patient": injury.patient, "injury": injury, "site_facts": _site_facts()},
    )


def _site_facts() -> list[dict[str, Any]]:
    rows = []
    for site in bsi.Site:
        facts = bsi.SITE_FACTS[site]
        rts, specific = bsi.expected_return(site)
        rows.append(
            {
                "site": site.label,
                "risk": facts.risk.label if facts.risk else _("choose"),
                "bone_health": _("yes") if facts.bone_type == bsi.BoneType.TRABECULAR else "",
                "return": f"{rts.days} d ({rts.low}–{rts.high})" if specific else "",
            }
        )
    return rows


@require_POST
@clinical_staff_required
def imaging_add(request: AuthedRequest, injury_id: UUID) -> HttpResponse:
    injury = get_visible_or_404(
        Injury.objects.select_related("patient"), request, injury_id, write=True
    )
    form = ImagingForm(request.POST)
    status = 200
    if form.is_valid():
        entry = call_service(
            form, lambda: services.imaging_add(injury=injury, by=request.user, **form.cleaned_data)
        )
        if entry is not None:
            form = ImagingForm()  # saved: an empty form for the next entry
    if form.errors:
        status = 400
    if not request.htmx:
        if status == 200:
            messages.success(request, _("Imaging entry added."))
        else:
            messages.error(
                request,
                _("The imaging entry was not saved: %(errors)s") % {"errors": _flat_errors(form)},
            )
        return redirect("patients:detail", patient_id=injury.patient.public_id)
    context = {"injury": injury, "imaging_form": form, "clinical": True}
    return render(request, "patients/_imaging.html", context, status=status)


def _flat_errors(form: Form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(str(m) for m in e)}".strip()
        for f, e in form.errors.items()
    )


@require_POST
@clinical_staff_required
def prior_injury_add(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    form = PriorInjuryForm(request.POST)
    if form.is_valid():
        call_service(form, lambda: services.prior_injury_add(patient=patient, **form.cleaned_data))
    if form.errors:
        messages.error(
            request,
            _("The prior injury was not saved: %(errors)s") % {"errors": _flat_errors(form)},
        )
        response = redirect("patients:detail", patient_id=patient.public_id)
        response.status_code = 303
        return response
    messages.success(request, _("Prior injury added."))
    return redirect("patients:detail", patient_id=patient.public_id)


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def triad_screen_create(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    initial = {
        "screened_on": timezone.localdate(),
        "stress_reaction": services.suggested_stress_reaction_score(patient),
    }
    form = TriadScreenForm(request.POST or None, patient=patient, initial=initial)
    if request.method == "POST" and form.is_valid():
        screen = call_service(
            form,
            lambda: services.triad_screen_record(
                patient=patient, by=request.user, **form.cleaned_data
            ),
        )
        if screen is not None:
            messages.success(
                request,
                _("Screen recorded: %(total)s points, %(clearance)s.")
                % {"total": screen.total, "clearance": screen.get_clearance_display()},
            )
            return redirect("patients:detail", patient_id=patient.public_id)
    return render_form(
        request,
        "patients/triad_form.html",
        {"form": form, "patient": patient, "factors": triad.FACTORS},
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def care_team_edit(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    form = CareTeamForm(request.POST or None, clinic=patient.clinic, patient=patient)
    if request.method == "POST" and form.is_valid():
        team = call_service(
            form, lambda: services.care_team_set(patient=patient, members=form.chosen())
        )
        if team is not None:
            messages.success(request, _("Care team saved."))
            return redirect("patients:detail", patient_id=patient.public_id)
    return render_form(request, "patients/care_team_form.html", {"form": form, "patient": patient})


@require_POST
@clinical_staff_required
def invitation_send(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id, write=True)
    try:
        invitation = services.invitation_send(patient=patient, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return refused_page(
            request, "patients/invitation_refused.html", {"patient": patient}, error
        )
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("patients:detail", patient_id=patient.public_id)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: AuthedRequest, token: str) -> HttpResponse:
    """Public: the athlete opens the e-mailed link and chooses a password."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationError as error:
        return render(
            request, "patients/invitation_invalid.html", {"reason": error.message}, status=400
        )
    form = SetPasswordForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except services.InvitationError as error:
            return render(
                request, "patients/invitation_invalid.html", {"reason": error.message}, status=400
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("athlete_home")
    return render_form(
        request, "patients/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@require_http_methods(["GET"])
@lead_required
def patient_history(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """The lead's view of the patient's audit trail: clinical changes and decisions."""
    patient = _patient(request, patient_id)
    entries = selectors.patient_history(patient=patient)
    return render(request, "patients/_history.html", {"entries": entries, "patient": patient})


@require_http_methods(["GET"])
@lead_required
def patient_export(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """Everything recorded about the patient as one JSON file (a subject access request)."""
    patient = _patient(request, patient_id)
    accessed.send(sender=Patient, instance=patient)  # an export is audited as an access
    body = json.dumps(export.patient_export(patient), cls=DjangoJSONEncoder, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.public_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@lead_required
def patient_erase(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """Erase the patient's personal data (a right-to-erasure request); the lead confirms by
    typing the patient's full name."""
    patient = _patient(request, patient_id)
    if patient.erased_at is not None:
        messages.info(request, _("This patient's personal data has already been erased."))
        return redirect("patients:detail", patient_id=patient.public_id)
    form = ErasureForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            erasure.patient_erase(patient=patient, by=request.user)
        except erasure.AlreadyErased:
            messages.info(request, _("This patient's personal data has already been erased."))
        else:
            messages.success(
                request, _("The patient's personal data is erased; de-identified records remain.")
            )
        return redirect("patients:detail", patient_id=patient.public_id)
    return render_form(request, "patients/patient_erase.html", {"patient": patient, "form": form})


@require_http_methods(["GET"])
@lead_required
def clinic_audit(request: AuthedRequest) -> HttpResponse:
    """The lead's audit log: clinical changes, record views and exports, sign-ins; filterable."""
    assert request.clinic is not None
    # A NUL cannot be searched for in PostgreSQL (it raised a 500): it is dropped (issue 15.3).
    who = request.GET.get("who", "").replace("\x00", "").strip()[:120]
    action = request.GET.get("action", "")
    entries = selectors.clinic_audit_entries(clinic=request.clinic, who=who, action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    named = selectors.patients_named_in(page.object_list, request.clinic)
    rows = [(entry, named.get(str((entry.additional_data or {}).get("patient")))) for entry in page]
    sign_ins, failures = selectors.clinic_sign_ins(clinic=request.clinic)
    context = {
        "page": page,
        "rows": rows,
        "sign_ins": sign_ins,
        "failures": failures,
        "who": who,
        "action": action,
        "actions": list(selectors.AUDIT_ACTIONS),
    }
    return render(request, "patients/clinic_audit.html", context)
