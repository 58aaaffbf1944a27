from __future__ import annotations

from django.apps import AppConfig


class InteropConfig(AppConfig):
    """Data leaving the clinic in standard, safe forms: FHIR R4 export (per patient and in bulk),
    the outcomes registry, and the de-identified research export.

    The top of the import order: it reads checkins, protocols, patients and rtr; none of them
    imports it.
    """

    name = "interop"
    verbose_name = "Interoperability and outcomes"

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from auditlog.registry import auditlog

        from .models import BulkExport, ResearchConsent
        from .records import register_patient_records

        auditlog.register(BulkExport, exclude_fields=["archive", "done", "counts"])
        auditlog.register(ResearchConsent)
        register_patient_records()
