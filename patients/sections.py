"""Sections of the patient page that other apps own (plan, check-ins, flags).

`patients` never imports its neighbours above it (design.md §2): `protocols` and `checkins`
register their sections here from their AppConfig.ready(), naming the URL that serves the
section as a partial; the patient page loads each one in place with htmx. A section not yet
registered shows its placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rtr.accounts.models import CLINICAL_ROLES, STAFF_ROLES, Membership


@dataclass
class PatientSection:
    key: str
    title: str | Promise
    placeholder: str | Promise
    url_name: str | None = None  # reversed with patient_id; None: the placeholder shows
    roles: frozenset[str] = field(default_factory=lambda: frozenset(STAFF_ROLES))
    order: int = 0


SECTIONS: dict[str, PatientSection] = {
    "plan": PatientSection(
        "plan", _("Plan"), _("The return-to-running plan and its stages will show here."), order=10
    ),
    "tasks": PatientSection(
        "tasks",
        _("Reviews and tasks"),
        _("Review dates and follow-ups will show here."),
        url_name="patients:tasks_section",
        roles=frozenset(CLINICAL_ROLES),
        order=12,
    ),
    "team": PatientSection(
        "team",
        _("Messages between physio and coach"),
        _("The care team's messages will show here."),
        url_name="patients:team_section",
        roles=frozenset(STAFF_ROLES),
        order=15,
    ),
    "support": PatientSection(
        "support",
        _("Support contacts"),
        _("Family and team staff the athlete agreed may receive their plan will show here."),
        url_name="patients:support_section",
        roles=frozenset(CLINICAL_ROLES),
        order=16,
    ),
    "checkins": PatientSection(
        "checkins",
        _("Check-ins"),
        _("The athlete's daily check-ins and trends will show here."),
        roles=frozenset(STAFF_ROLES),
        order=20,
    ),
    "load": PatientSection(
        "load",
        _("Training load and runs"),
        _("Runs from the athlete's watch and training load will show here."),
        roles=frozenset(CLINICAL_ROLES),
        order=25,
    ),
    "history": PatientSection(
        "history",
        _("History of clinical changes"),
        _("Who changed what, and when."),
        url_name="patients:history",
        roles=frozenset({"lead"}),
        order=40,
    ),
    "flags": PatientSection(
        "flags",
        _("Warning signs"),
        _("Flags raised from check-ins will show here."),
        roles=frozenset(CLINICAL_ROLES),
        order=30,
    ),
}


def register_section(key: str, *, url_name: str, roles: frozenset[str] | None = None) -> None:
    """Called by the owning app: serve section `key` from `url_name` (takes patient_id)."""
    section = SECTIONS[key]
    section.url_name = url_name
    if roles is not None:
        section.roles = roles


def sections_for(membership: Membership) -> list[PatientSection]:
    return sorted(
        (s for s in SECTIONS.values() if membership.role in s.roles), key=lambda s: s.order
    )
