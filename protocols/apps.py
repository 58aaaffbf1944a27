from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProtocolsConfig(AppConfig):
    name = "protocols"
    verbose_name = _("Protocols and plans")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from patients.sections import register_section
        from rtr.accounts.demo import register_demo_loader
        from rtr.panels import register_panel

        from .demo import demo_plans_load
        from .panels import plan_change_panel, today_panel
        from .records import register_patient_records

        register_section("plan", url_name="protocols:patient_plan_section")
        register_panel(plan_change_panel, order=5)
        register_panel(today_panel, order=10)
        register_demo_loader(demo_plans_load, order=20)
        register_patient_records()

        from auditlog.registry import auditlog

        from .models import Plan, SpecialistSignOff, StageDecision

        auditlog.register(
            Plan, exclude_fields=["updated_at", "step_completions", "step_failures", "current_step"]
        )
        auditlog.register(StageDecision)
        auditlog.register(SpecialistSignOff)
        post_migrate.connect(_load_library, sender=self)


def _load_library(sender: AppConfig, **kwargs: object) -> None:
    """The shared template library exists in every database once migrated."""
    from .library import load_library

    load_library()
