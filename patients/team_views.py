"""The care team's coordination on the patient page: the physio–coach timeline (physios, leads
and the athlete's coaches), the reviews and tasks and the support contacts (physios and
leads). Thin: the patient within the tenancy scope, a form, a service in
patients/coordination.py."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404, staff_required
from rtr.service_views import call_service

from . import coordination
from .forms import CareTaskForm, SupportContactForm, TeamMessageForm
from .models import CareTask, Patient, SupportContact

if TYPE_CHECKING:
    from django.http import HttpResponse

    from rtr.http import AuthedRequest


def _patient(request: AuthedRequest, patient_id: UUID) -> Patient:
    return get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)


def _timeline(
    request: AuthedRequest, patient: Patient, form: TeamMessageForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "patients/_team_section.html",
        {
            "patient": patient,
            "timeline": coordination.team_timeline(patient),
            "form": form,
            "writable": patient.erased_at is None,
        },
        status=status,
    )


@require_GET
@staff_required
def team_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _timeline(request, _patient(request, patient_id), TeamMessageForm())


@require_POST
@staff_required
def team_message_post(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """A coach writes here too: the timeline is the one thing on the record a coach adds to."""
    patient = _patient(request, patient_id)
    membership = request.membership
    assert membership is not None
    form = TeamMessageForm(request.POST)
    if patient.erased_at is not None:
        form.add_error(None, _("This patient's personal data was erased."))
    elif (
        form.is_valid()
        and call_service(
            form,
            lambda: coordination.team_message_post(
                patient=patient, membership=membership, text=form.cleaned_data["text"]
            ),
        )
        is not None
    ):
        if request.htmx:
            return _timeline(request, patient, TeamMessageForm())
        messages.success(request, _("Message posted."))
        return redirect(_back(patient, "team"))
    return _timeline(request, patient, form, status=400)


def _tasks(
    request: AuthedRequest,
    patient: Patient,
    form: CareTaskForm,
    status: int = 200,
    refused: list[str] | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "patients/_tasks_section.html",
        {
            "patient": patient,
            "tasks": list(patient.tasks.open().order_by("due_on", "pk")),
            "done": list(patient.tasks.filter(done_at__isnull=False).order_by("-done_at")[:5]),
            "today": today,
            "form": form,
            "writable": patient.erased_at is None,
            "refused": refused or [],
        },
        status=status,
    )


@require_GET
@clinical_staff_required
def tasks_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _tasks(request, _patient(request, patient_id), CareTaskForm())


@require_POST
@clinical_staff_required
def task_add(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = CareTaskForm(request.POST)
    if patient.erased_at is not None:
        form.add_error(None, _("This patient's personal data was erased."))
    elif (
        form.is_valid()
        and call_service(
            form,
            lambda: coordination.task_add(
                patient=patient,
                kind=form.cleaned_data["kind"],
                by=request.user,
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
            ),
        )
        is not None
    ):
        if request.htmx:
            return _tasks(request, patient, CareTaskForm())
        messages.success(request, _("Task added."))
        return redirect(_back(patient, "tasks"))
    return _tasks(request, patient, form, status=400)


@require_POST
@clinical_staff_required
def task_done(request: AuthedRequest, task_id: UUID) -> HttpResponse:
    task = get_visible_or_404(CareTask.objects.select_related("patient"), request, task_id)
    try:
        coordination.task_done(task=task, by=request.user)
    except ValidationError as error:
        return _tasks(request, task.patient, CareTaskForm(), status=409, refused=error.messages)
    if request.htmx:
        return _tasks(request, task.patient, CareTaskForm())
    messages.success(request, _("Task done."))
    return redirect(_back(task.patient, "tasks"))


def _back(patient: Patient, section: str) -> str:
    return reverse("patients:detail", args=[patient.public_id]) + f"#section-{section}"


def _support(
    request: AuthedRequest, patient: Patient, form: SupportContactForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "patients/_support_section.html",
        {
            "patient": patient,
            "contacts": list(patient.support_contacts.select_related("consent_recorded_by")),
            "form": form,
            "writable": patient.erased_at is None,
        },
        status=status,
    )


@require_GET
@clinical_staff_required
def support_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _support(request, _patient(request, patient_id), SupportContactForm())


@require_POST
@clinical_staff_required
def support_contact_add(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = SupportContactForm(request.POST)
    if patient.erased_at is not None:
        form.add_error(None, _("This patient's personal data was erased."))
    elif (
        form.is_valid()
        and call_service(
            form,
            lambda: coordination.support_contact_add(
                patient=patient, by=request.user, **form.cleaned_data
            ),
        )
        is not None
    ):
        if request.htmx:
            return _support(request, patient, SupportContactForm())
        messages.success(request, _("Support contact added."))
        return redirect(_back(patient, "support"))
    return _support(request, patient, form, status=400)


@require_POST
@clinical_staff_required
def support_contact_remove(request: AuthedRequest, contact_id: UUID) -> HttpResponse:
    contact = get_visible_or_404(
        SupportContact.objects.select_related("patient"), request, contact_id, write=True
    )
    patient = contact.patient
    coordination.support_contact_remove(contact=contact)
    if request.htmx:
        return _support(request, patient, SupportContactForm())
    messages.success(request, _("Support contact removed."))
    return redirect(_back(patient, "support"))
