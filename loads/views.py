"""Run-file uploads (athlete and physio), the upload's progress, the stored file, and the
training-load section of the patient page."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from checkins import services as checkin_services
from patients.models import Patient
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
)
from rtr.http import rate_limit
from rtr.panels import athlete_home_context

from . import analytics, selectors, services
from .forms import RunFileForm
from .models import RunImport

if TYPE_CHECKING:
    from rtr.http import AuthedRequest

SECTION_DAYS = 180
HISTORY_DAYS = 84


def _my_patient(request: AuthedRequest) -> Patient | None:
    return Patient.objects.visible_to(request.membership).select_related("clinic").first()


def _save(request: AuthedRequest, patient: Patient) -> RunFileForm:
    form = RunFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.upload(patient=patient, by=request.user, upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
    return form


@require_POST
@rate_limit(key="user", rate="20/h", method="POST")
@athlete_required
def athlete_upload(request: AuthedRequest) -> HttpResponse:
    patient = _my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=409)
    form = _save(request, patient)
    if form.is_valid() and not form.errors:
        messages.success(request, _("Run file received: reading it now."))
        return redirect("athlete_home")
    request.run_file_form = form  # type: ignore[attr-defined]  # the card shows the error
    return render(request, "rtr/athlete_home.html", athlete_home_context(request), status=400)


@never_cache
@require_GET
@athlete_required
def athlete_upload_status(request: AuthedRequest) -> HttpResponse:
    """The card's content while the file is read (htmx polls it until it is done)."""
    patient = _my_patient(request)
    if patient is None:
        raise Http404
    today = checkin_services.local_today(patient)
    return render(request, "loads/_upload_status.html", selectors.card_context(patient, today))


@require_POST
@rate_limit(key="user", rate="60/h", method="POST")
@clinical_staff_required
def staff_upload(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("clinic"), request, patient_id, write=True
    )
    form = _save(request, patient)
    if form.errors:
        for error in form.errors.get("file", []):
            messages.error(request, str(error))
    else:
        messages.success(
            request, _("Run file received: it will show in the load section once read.")
        )
    return redirect("patients:detail", patient_id=patient.public_id)


@require_GET
@clinical_staff_required
def run_file_download(request: AuthedRequest, run_file_id: UUID) -> FileResponse:
    run = get_visible_or_404(RunImport.objects.select_related("patient"), request, run_file_id)
    if not run.file:
        raise Http404
    response = FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=f"run-{run.local_date or run.uploaded_at.date()}.{run.file_format}",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _load_context(patient: Patient, days: int) -> dict[str, object]:
    today = checkin_services.local_today(patient)
    first = today - timedelta(days=days - 1)
    return {
        "patient": patient,
        "load": analytics.chart_data(patient.pk, first, today),
        "imports": selectors.patient_imports(patient),
        "band": analytics.ACWR_BAND,
    }


@require_GET
@clinical_staff_required
def patient_load_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)
    context = _load_context(patient, SECTION_DAYS)
    context["form"] = RunFileForm()
    context["staff"] = True
    return render(request, "loads/_patient_section.html", context)


@require_GET
@athlete_required
def athlete_load(request: AuthedRequest) -> HttpResponse:
    patient = _my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=200)
    return render(request, "loads/_athlete_section.html", _load_context(patient, HISTORY_DAYS))
