from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = _("Check-ins, warning signs and notifications")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from patients.sections import register_section
        from protocols import hooks as protocol_hooks
        from rtr.accounts.demo import register_demo_loader
        from rtr.panels import register_panel

        from .demo import demo_checkins_load, demo_flags_load
        from .panels import checkin_panel
        from .records import register_patient_records
        from .review.dashboard import dashboard_panel
        from .warning_signs import thresholds

        protocol_hooks.provide_run_pain_limit(thresholds.run_pain_limit)
        register_section("checkins", url_name="checkins:patient_section")
        register_section("flags", url_name="checkins:patient_flags_section")
        register_panel(checkin_panel, order=20)
        register_panel(dashboard_panel, order=10, page="staff")
        register_demo_loader(demo_checkins_load, order=30)
        register_demo_loader(demo_flags_load, order=40)
        register_patient_records()

        from auditlog.registry import auditlog
        from django.db.models.signals import post_save

        from protocols.models import StageDecision

        from .models import Flag, FlagNote
        from .warning_signs.notifications import plan_decision_saved

        post_save.connect(plan_decision_saved, sender=StageDecision, dispatch_uid="plan-notices")

        # Evidence holds check-in values: never in the audit log (design.md §7).
        auditlog.register(Flag, exclude_fields=["evidence", "thresholds", "summary"])
        auditlog.register(FlagNote)
