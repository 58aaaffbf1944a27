from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoadsConfig(AppConfig):
    """Run files and training load: sits above checkins, protocols and patients (design.md §2);
    none of them imports it. It registers its athlete panel and patient-page section here."""

    name = "loads"
    verbose_name = _("Run files and training load")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from django.db.models.signals import post_save

        from checkins.models import CheckIn
        from patients.sections import register_section
        from rtr.panels import register_panel

        from . import services
        from .panels import run_file_panel
        from .records import register_patient_records

        register_section("load", url_name="loads:patient_section")
        register_panel(run_file_panel, order=15)
        register_patient_records()
        post_save.connect(services.checkin_saved, sender=CheckIn, dispatch_uid="loads-link")
