from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "rtr.accounts"
    label = "accounts"
    verbose_name = _("Accounts and clinics")

    def ready(self) -> None:
        # Imported here, not at the top: models and the modules that use them load only once
        # the app registry is ready.
        from allauth.account.signals import password_reset
        from auditlog.registry import auditlog

        from . import mfa, sessions  # noqa: F401 - signal receivers
        from .lockout import lift_lock_after_password_reset

        password_reset.connect(lift_lock_after_password_reset, dispatch_uid="rtr-lift-lock")
        from .models import Clinic

        auditlog.register(
            Clinic, include_fields=["name", "time_zone", "clinicians_need_two_factor"]
        )
