from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PwaConfig(AppConfig):
    """The athlete's check-in as an installable app (issue 21): the web app manifest, the
    service worker, the check-ins sent from the phone's queue, and push subscriptions.

    Sits above `checkins` (it calls its services); nothing below imports it."""

    name = "pwa"
    verbose_name = _("Installable app, offline check-ins and push")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from django.db.models.signals import post_save

        from protocols.models import StageDecision
        from rtr.panels import register_panel

        from .panels import app_panel
        from .signals import stage_decision_saved

        register_panel(app_panel, order=5)
        post_save.connect(stage_decision_saved, sender=StageDecision, dispatch_uid="pwa-plan")
