"""The athlete's home: install the app, notifications on this phone, the phone's queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtr.panels import Panel

if TYPE_CHECKING:
    from django.http import HttpRequest


def app_panel(request: HttpRequest) -> Panel | None:
    return Panel("pwa/_app_panel.html", {})
