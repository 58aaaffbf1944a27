"""A patient's research consent in their export and erasure (registered in
patients/records.py): an erased patient leaves the research dataset."""

from __future__ import annotations

from django.utils import timezone

from patients.models import Patient
from patients.records import ExportRows, export_rows, register_records

from .models import ResearchConsent

CONSENT_MODELS = ("interop.researchconsent",)


def consent_records_export(patient: Patient) -> dict[str, ExportRows]:
    return {"research_consent": export_rows(ResearchConsent.objects.filter(patient=patient))}


def consent_records_erase(patient: Patient) -> None:
    """The consent is withdrawn, its date kept."""
    ResearchConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


def register_patient_records() -> None:
    register_records(
        "interop",
        order=60,
        export=consent_records_export,
        erase=consent_records_erase,
        models=CONSENT_MODELS,
    )
