"""The care team's coordination on the patient page: the physio–coach timeline (physios, leads
and the athlete's coaches), the reviews and tasks and the support contacts (physios and
leads). Thin: the patient within the tenancy scope, a form, a service in
patients/coordination.py. Each section is a partial the patient page loads with htmx; its
forms post back and get the section again (with the form's errors: a 400)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
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
    from django.forms import Form
    from django.http import HttpResponse

    from rtr.http import AuthedRequest


def _patient(request: AuthedRequest, patient_id: UUID) -> Patient:
    return get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)


# Each section: its template and what it shows of the patient.
SECTIONS: dict[str, tuple[str, Callable[[Patient], dict[str, Any]]]] = {
    "team": (
        "patients/_team_section.html",
        lambda patient: {"timeline": coordination.team_timeline(patient)},
    ),
    "tasks": (
        "patients/_tasks_section.html",
        lambda patient: {
            "tasks": list(patient.tasks.open().order_by("due_on", "pk")),
            "done": list(patient.tasks.filter(done_at__isnull=False).order_by("-done_at")[:5]),
            "today": timezone.localdate(),
        },
    ),
    "support": (
        "patients/_support_section.html",
        lambda patient: {
            "contacts": list(patient.support_contacts.select_related("consent_recorded_by"))
        },
    ),
}
FORMS: dict[str, type[Form]] = {
    "team": TeamMessageForm,
    "tasks": CareTaskForm,
    "support": SupportContactForm,
}


def _section(
    request: AuthedRequest,
    key: str,
    patient: Patient,
    form: Form | None = None,
    *,
    status: int = 200,
    refused: list[str] | None = None,
) -> HttpResponse:
    template, shows = SECTIONS[key]
    context = {
        "patient": patient,
        "form": form or FORMS[key](),
        "writable": patient.erased_at is None,
        "refused": refused or [],
        **shows(patient),
    }
    return render(request, template, context, status=status)


def _back(request: AuthedRequest, key: str, patient: Patient, done: str) -> HttpResponse:
    """After a change: the section again (htmx), else the patient page at the section."""
    if request.htmx:
        return _section(request, key, patient)
    messages.success(request, done)
    return redirect(reverse("patients:detail", args=[patient.public_id]) + f"#section-{key}")


def _add(
    request: AuthedRequest,
    key: str,
    patient_id: UUID,
    write: Callable[[Patient, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A section's form: the service called with the cleaned data, or the section with the
    errors (a 400, nothing saved). An erased patient's record takes nothing new."""
    patient = _patient(request, patient_id)
    form = FORMS[key](request.POST)
    if patient.erased_at is not None:
        form.add_error(None, _("This patient's personal data was erased."))
    elif form.is_valid():
        saved = call_service(form, lambda: write(patient, form.cleaned_data))
        if saved is not None:
            return _back(request, key, patient, done)
    return _section(request, key, patient, form, status=400)


# --- The physio–coach timeline ----------------------------------------------------------------


@require_GET
@staff_required
def team_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _section(request, "team", _patient(request, patient_id))


@require_POST
@staff_required
def team_message_post(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """A coach writes here too: the timeline is the one thing on the record a coach adds to."""
    membership = request.membership
    assert membership is not None
    return _add(
        request,
        "team",
        patient_id,
        lambda patient, data: coordination.team_message_post(
            patient=patient, membership=membership, text=data["text"]
        ),
        _("Message posted."),
    )


# --- Reviews and tasks ------------------------------------------------------------------------


@require_GET
@clinical_staff_required
def tasks_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _section(request, "tasks", _patient(request, patient_id))


@require_POST
@clinical_staff_required
def task_add(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _add(
        request,
        "tasks",
        patient_id,
        lambda patient, data: coordination.task_add(patient=patient, by=request.user, **data),
        _("Task added."),
    )


@require_POST
@clinical_staff_required
def task_done(request: AuthedRequest, task_id: UUID) -> HttpResponse:
    task = get_visible_or_404(CareTask.objects.select_related("patient"), request, task_id)
    try:
        coordination.task_done(task=task, by=request.user)
    except ValidationError as error:
        return _section(request, "tasks", task.patient, status=409, refused=error.messages)
    return _back(request, "tasks", task.patient, _("Task done."))


# --- Support contacts -------------------------------------------------------------------------


@require_GET
@clinical_staff_required
def support_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _section(request, "support", _patient(request, patient_id))


@require_POST
@clinical_staff_required
def support_contact_add(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    return _add(
        request,
        "support",
        patient_id,
        lambda patient, data: coordination.support_contact_add(
            patient=patient, by=request.user, **data
        ),
        _("Support contact added."),
    )


@require_POST
@clinical_staff_required
def support_contact_remove(request: AuthedRequest, contact_id: UUID) -> HttpResponse:
    contact = get_visible_or_404(
        SupportContact.objects.select_related("patient"), request, contact_id, write=True
    )
    coordination.support_contact_remove(contact=contact)
    return _back(request, "support", contact.patient, _("Support contact removed."))
