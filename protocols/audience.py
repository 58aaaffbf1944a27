"""What of a plan a coach reads: the prescription and the stage, never how a session felt.

A coach is a read-only collaborator (design.md: "the plan, stage and adherence ... no clinical
notes"). The athlete's own pages and the care team's keep every word; the coach's copies below
drop the notes that say a session hurt and show a session skipped for pain as a rest day.
"""

from __future__ import annotations

from dataclasses import replace

from . import prescription as engine
from .selectors import KIND_TITLES, Prescription


def for_coach(rx: Prescription) -> Prescription:
    """The prescription without its symptom notes ("Last time hurt...", "Pain lasted...")."""
    if not rx.note:
        return rx
    title = str(KIND_TITLES[engine.REST]) if rx.kind == engine.REST else rx.title
    return replace(rx, note="", title=title)


def week_for_coach(week: list[Prescription]) -> list[Prescription]:
    return [for_coach(rx) for rx in week]
