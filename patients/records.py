"""The records each app keeps about a patient: what goes into the patient's export and what an
erasure blanks, withdraws or deletes.

`patients` never imports its neighbours above it (design.md §2): each app registers its own
records here from its AppConfig.ready(), as the page sections are (patients/sections.py).
`patients/export.py` and `patients/erasure.py` walk the entries in `order`: the export's
sections come out in that order, and the erasers run in it, inside the erasure's transaction
with the audit log's signals off. An app may register more than one entry when its records sit
in more than one place of the export file (the check-ins' notifications come after the run
files, as they always have).

The patients' own records (the patient, the care team, injuries and imaging, prior injuries,
Triad screens, invitations) register from patients/apps.py like any other app's, at order 10.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core import serializers

from rtr.accounts.models import User

from .models import (
    AthleteInvitation,
    CareTask,
    CareTeamMember,
    ImagingEntry,
    Injury,
    Patient,
    PriorInjury,
    SupportContact,
    TeamMessage,
    TriadScreen,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

# What an erased free-text field says where a blank would read as "nothing was written".
ERASED_TEXT = "[erased]"
ACCOUNT_FIELDS = ("email", "first_name", "last_name", "public_id", "date_joined", "last_login")

ExportRows = list[dict[str, Any]]
Exporter = Callable[[Patient], dict[str, ExportRows]]
Eraser = Callable[[Patient], None]


@dataclass(frozen=True)
class PatientRecords:
    app_label: str
    order: int
    export: Exporter | None  # the export's sections (key: rows), in the order they appear
    erase: Eraser | None  # blanks or deletes what names or reaches the person
    models: frozenset[str]  # the models exported, as "app_label.model"


RECORDS: list[PatientRecords] = []


def register_records(
    app_label: str,
    *,
    order: int,
    export: Exporter | None = None,
    erase: Eraser | None = None,
    models: Iterable[str] = (),
) -> None:
    """Called by the owning app's ready(); registering the same (app, order) again replaces it."""
    entry = PatientRecords(app_label, order, export, erase, frozenset(models))
    RECORDS[:] = [
        existing
        for existing in RECORDS
        if (existing.app_label, existing.order) != (app_label, order)
    ]
    RECORDS.append(entry)


def records_in_order() -> list[PatientRecords]:
    return sorted(RECORDS, key=lambda entry: entry.order)


def exported_models() -> frozenset[str]:
    return frozenset().union(*(entry.models for entry in RECORDS))


def export_rows(queryset: QuerySet[Any], *, exclude: tuple[str, ...] = ()) -> ExportRows:
    """The rows as Django serialises them, oldest first, without the fields named secret."""
    rows: ExportRows = serializers.serialize("python", queryset.order_by("pk"))
    for row in rows:
        for name in exclude:
            row["fields"].pop(name, None)
    return rows


def athlete_account(patient: Patient) -> QuerySet[User]:
    """The patient's own sign-in account, as a queryset (empty when they have none)."""
    return User.objects.filter(pk=patient.user_id) if patient.user_id else User.objects.none()


# The patients' own records.


def patient_records_export(patient: Patient) -> dict[str, ExportRows]:
    return {
        "patient": export_rows(Patient.objects.filter(pk=patient.pk)),
        "athlete_account": [
            {"model": "accounts.user", "fields": dict(row)}
            for row in athlete_account(patient).values(*ACCOUNT_FIELDS)
        ],
        "care_team": export_rows(CareTeamMember.objects.filter(patient=patient)),
        "injuries": export_rows(Injury.objects.filter(patient=patient)),
        "imaging": export_rows(ImagingEntry.objects.filter(injury__patient=patient)),
        "prior_injuries": export_rows(PriorInjury.objects.filter(patient=patient)),
        "triad_screens": export_rows(TriadScreen.objects.filter(patient=patient)),
        "invitations": export_rows(
            AthleteInvitation.objects.filter(patient=patient), exclude=("nonce",)
        ),
    }


def patient_records_erase(patient: Patient) -> None:
    """Injury, imaging and screen notes are blanked; invitations (they hold the e-mail) go."""
    Injury.objects.filter(patient=patient).update(
        sub_site_note="", risk_override_reason="", notes=""
    )
    ImagingEntry.objects.filter(injury__patient=patient).update(note="")
    TriadScreen.objects.filter(patient=patient).update(notes="")
    AthleteInvitation.objects.filter(patient=patient).delete()


PATIENT_MODELS = (
    "patients.patient",
    "patients.careteammember",
    "patients.injury",
    "patients.imagingentry",
    "patients.priorinjury",
    "patients.triadscreen",
    "patients.athleteinvitation",
)


def coordination_records_export(patient: Patient) -> dict[str, ExportRows]:
    """The care team's review tasks and the physio–coach timeline (last in the file: they came
    after the layout the other sections keep)."""
    return {
        "care_tasks": export_rows(CareTask.objects.filter(patient=patient)),
        "team_messages": export_rows(TeamMessage.objects.filter(patient=patient)),
        "support_contacts": export_rows(SupportContact.objects.filter(patient=patient)),
    }


def coordination_records_erase(patient: Patient) -> None:
    CareTask.objects.filter(patient=patient).update(note="")
    TeamMessage.objects.filter(patient=patient).update(text=ERASED_TEXT)
    SupportContact.objects.filter(patient=patient).delete()  # someone else's personal data


def register_patient_records() -> None:
    register_records(
        "patients",
        order=10,
        export=patient_records_export,
        erase=patient_records_erase,
        models=PATIENT_MODELS,
    )
    register_records(
        "patients",
        order=80,
        export=coordination_records_export,
        erase=coordination_records_erase,
        models=("patients.caretask", "patients.teammessage", "patients.supportcontact"),
    )
