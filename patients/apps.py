from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients and injuries")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from rtr.accounts.demo import register_demo_loader
        from rtr.panels import register_panel

        from .demo import demo_patients_load
        from .panels import tasks_panel
        from .records import register_patient_records

        register_panel(tasks_panel, order=5, page="staff")
        register_demo_loader(demo_patients_load, order=10)
        register_patient_records()

        from auditlog.registry import auditlog

        from .models import (
            CareTask,
            CareTeamMember,
            ImagingEntry,
            Injury,
            Patient,
            PriorInjury,
            SupportContact,
            TeamMessage,
            TriadScreen,
        )

        auditlog.register(Patient, exclude_fields=["updated_at"])
        auditlog.register(Injury, exclude_fields=["updated_at"])
        for model in (
            ImagingEntry,
            PriorInjury,
            TriadScreen,
            CareTeamMember,
            CareTask,
            TeamMessage,
            SupportContact,
        ):
            auditlog.register(model)
