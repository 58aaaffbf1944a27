from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RtrConfig(AppConfig):
    name = "rtr"
    verbose_name = _("RTR")
