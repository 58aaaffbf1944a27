"""Panels of the athlete's home page that apps above `rtr` provide (today's session, check-in).

`rtr` never imports its neighbours above: `protocols` and `checkins` register a panel from
their AppConfig.ready(); each panel is a function of the request returning the template to
include and its context, or None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any]


PanelProvider = Callable[["HttpRequest"], Panel | None]
PANELS: list[tuple[int, PanelProvider]] = []


def register_panel(provider: PanelProvider, *, order: int) -> None:
    if all(existing is not provider for _order, existing in PANELS):
        PANELS.append((order, provider))


def panels_for(request: HttpRequest) -> list[Panel]:
    result = []
    for _order, provider in sorted(PANELS, key=lambda item: item[0]):
        panel = provider(request)
        if panel is not None:
            result.append(panel)
    return result
