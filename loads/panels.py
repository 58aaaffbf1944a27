"""The athlete's run-file card on the home page, above the check-in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from checkins import services as checkin_services
from patients.models import Patient
from rtr.panels import Panel

from .forms import RunFileForm
from .selectors import card_context

if TYPE_CHECKING:
    from django.http import HttpRequest


def run_file_panel(request: HttpRequest) -> Panel | None:
    patient = (
        Patient.objects.visible_to(getattr(request, "membership", None))
        .select_related("clinic")
        .first()
    )
    if patient is None:
        return None
    today = checkin_services.local_today(patient)
    context = card_context(patient, today)
    context["form"] = getattr(request, "run_file_form", None) or RunFileForm()
    return Panel("loads/_upload_card.html", context)
