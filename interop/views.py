"""Exports and outcomes pages. Thin: scope, validate, call the domain functions, audit."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from auditlog.models import LogEntry
from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.models import Patient
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
    lead_required,
)

from . import bulk, outcomes, research
from .fhir.bundle import bundle_json
from .fhir.codes import MEDIA_TYPE
from .forms import DateRangeForm
from .models import BulkExport, ResearchConsent
from .tasks import build_bulk_export

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


def _fhir_response(patient: Patient) -> HttpResponse:
    if patient.erased_at is not None:
        raise PermissionDenied(
            _("This patient's personal data was erased: there is no record to export.")
        )
    accessed.send(sender=Patient, instance=patient)  # an export is audited as an access
    response = HttpResponse(bundle_json(patient), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="patient-{patient.public_id}.fhir.json"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@lead_required
def patient_fhir(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """The patient's record as a FHIR R4 Bundle, for a GP, a hospital or another app."""
    patient = get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)
    return _fhir_response(patient)


@require_GET
@athlete_required
def my_fhir(request: AuthedRequest) -> HttpResponse:
    """The athlete's own record as a FHIR R4 Bundle."""
    patient = Patient.objects.visible_to(request.membership).select_related("clinic").first()
    if patient is None:
        raise Http404
    return _fhir_response(patient)


@require_POST
@clinical_staff_required
def research_consent(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.all(), request, patient_id, write=True)
    if patient.erased_at is not None:
        raise PermissionDenied(_("This patient's personal data was erased."))
    choice = request.POST.get("consent")
    if choice not in ("give", "withdraw"):
        messages.error(request, _("Choose whether consent was given or withdrawn."))
        return redirect("patients:detail", patient_id=patient.public_id)
    with transaction.atomic():
        consent = ResearchConsent.objects.select_for_update().filter(patient=patient).first()
        if choice == "give":
            if consent is None:
                ResearchConsent.objects.create(patient=patient, recorded_by=request.user)
            elif consent.withdrawn_at is not None:
                consent.withdrawn_at = None
                consent.given_at = timezone.now()
                consent.recorded_by = request.user
                consent.save()
            messages.success(request, _("Consent to research use recorded."))
        elif consent is not None and consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save()
            messages.success(request, _("Withdrawal of research consent recorded."))
    return redirect("patients:detail", patient_id=patient.public_id)


def _exports_context(request: AuthedRequest, form: DateRangeForm) -> dict[str, object]:
    assert request.clinic is not None
    bulk.bulk_exports_expire()
    dataset = research.research_dataset(request.clinic)
    return {
        "form": form,
        "jobs": BulkExport.objects.filter(clinic=request.clinic)[:10],
        "dataset": dataset,
        "k_required": research.K,
        "max_days": bulk.MAX_RANGE_DAYS,
    }


@require_GET
@lead_required
def exports(request: AuthedRequest) -> HttpResponse:
    return render(request, "interop/exports.html", _exports_context(request, DateRangeForm()))


@require_POST
@lead_required
def bulk_request(request: AuthedRequest) -> HttpResponse:
    assert request.clinic is not None
    form = DateRangeForm(request.POST)
    if not form.is_valid():
        return render(request, "interop/exports.html", _exports_context(request, form), status=400)
    job = bulk.bulk_export_request(clinic=request.clinic, by=request.user, **form.cleaned_data)
    transaction.on_commit(lambda: build_bulk_export.delay(job.pk))
    return redirect("interop:bulk_status", export_id=job.public_id)


@require_GET
@lead_required
def bulk_status(request: AuthedRequest, export_id: UUID) -> HttpResponse:
    job = get_visible_or_404(BulkExport.objects.all(), request, export_id)
    template = "interop/_bulk_progress.html" if request.htmx else "interop/bulk_status.html"
    return render(request, template, {"job": job})


@require_GET
@lead_required
def bulk_download(request: AuthedRequest, export_id: UUID) -> HttpResponse:
    job = get_visible_or_404(BulkExport.objects.all(), request, export_id)
    try:
        data = bulk.bulk_export_take(job)
    except bulk.NotDownloadable:
        return render(request, "interop/bulk_gone.html", {"job": job}, status=410)
    accessed.send(sender=BulkExport, instance=job)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="fhir-bulk-{job.start.isoformat()}-{job.end.isoformat()}.zip"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["POST"])
@lead_required
def research_download(request: AuthedRequest) -> HttpResponse:
    assert request.clinic is not None
    dataset = research.research_dataset(request.clinic)
    if not dataset.is_offered:
        messages.error(
            request,
            _(
                "The research dataset cannot be offered: fewer than %(k)s consented patients "
                "share each combination of the details that could identify them."
            )
            % {"k": research.K},
        )
        return redirect("interop:exports")
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(BulkExport),
        object_pk="research",
        object_repr="research dataset",
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        additional_data={
            "clinic": request.clinic.pk,
            "event": "research export",
            "episodes": len(dataset.episodes),
            "k": dataset.k,
        },
    )
    response = HttpResponse(research.research_archive(dataset), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="rtr-research-dataset.zip"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@lead_required
def clinic_outcomes(request: AuthedRequest) -> HttpResponse:
    assert request.clinic is not None
    rows, items = outcomes.clinic_outcomes(request.clinic)
    return render(
        request,
        "interop/outcomes.html",
        {
            "rows": rows,
            "charts": outcomes.chart_data(rows),
            "ended": sum(1 for e in items if e.has_ended),
            "injuries": len(items),
        },
    )
