"""Panels of the home pages that apps above `rtr` provide: the athlete's today (session,
check-in) and the staff dashboard (caseload, flags, adherence).

`rtr` never imports its neighbours above: `protocols` and `checkins` register panels from
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
PANELS: dict[str, list[tuple[int, PanelProvider]]] = {"athlete": [], "staff": []}


def register_panel(provider: PanelProvider, *, order: int, page: str = "athlete") -> None:
    if all(existing is not provider for _order, existing in PANELS[page]):
        PANELS[page].append((order, provider))


def panels_for(request: HttpRequest, page: str = "athlete") -> list[Panel]:
    result = []
    for _order, provider in sorted(PANELS[page], key=lambda item: item[0]):
        panel = provider(request)
        if panel is not None:
            result.append(panel)
    return result


def athlete_home_context(request: HttpRequest) -> dict[str, object]:
    """The athlete's home page: the panels other apps provide (today's session, the check-in).

    Pages that answer a form on the home page with its errors render the home page with this.
    """
    return {"panels": panels_for(request)}
