"""The registry of each app's patient records: the export and the erasure walk it in order, and
neither names an app above `patients` (each app registers its own records from ready())."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from patients import erasure, export, records
from patients.models import Patient
from tests.patients.factories import make_patient
from tests.rtr.test_architecture import LAYERS

# The export file's sections, in the order a data subject has always received them.
EXPORT_LAYOUT = [
    "format",
    "exported_at",
    "patient",
    "athlete_account",
    "care_team",
    "injuries",
    "imaging",
    "prior_injuries",
    "triad_screens",
    "invitations",
    "plans",
    "plan_contents",
    "plan_stages",
    "plan_entry_criteria",
    "plan_session_steps",
    "stage_decisions",
    "session_logs",
    "specialist_signoffs",
    "checkins",
    "flags",
    "flag_notes",
    "run_files",
    "notifications",
    "research_consent",
    "checkin_receipts",
    "push_devices",
    "reminder_preference",
    "care_tasks",
    "team_messages",
    "support_contacts",
]


@pytest.fixture
def only_these_records(monkeypatch):
    """An empty registry for the test to fill, in whatever order it registers."""
    monkeypatch.setattr(records, "RECORDS", [])
    return records


def test_the_export_and_the_erasure_follow_the_entries_order_not_registration(
    only_these_records, clinic, physio, lead
):
    erased: list[str] = []

    def later_export(patient: Patient) -> dict[str, list[dict[str, object]]]:
        return {"later": []}

    def sooner_export(patient: Patient) -> dict[str, list[dict[str, object]]]:
        return {"sooner": []}

    only_these_records.register_records(
        "later", order=20, export=later_export, erase=lambda p: erased.append("later")
    )
    only_these_records.register_records(
        "sooner", order=10, export=sooner_export, erase=lambda p: erased.append("sooner")
    )
    only_these_records.register_records("silent", order=15)  # neither exports nor erases
    patient = make_patient(clinic=clinic, physio=physio)

    assert list(export.patient_export(patient)) == ["format", "exported_at", "sooner", "later"]
    erasure.patient_erase(patient=patient, by=lead)
    assert erased == ["sooner", "later"]


def test_registering_an_entry_again_replaces_it(only_these_records):
    for _ in range(2):
        only_these_records.register_records("patients", order=10, models=["patients.patient"])
    assert len(only_these_records.RECORDS) == 1
    exported = export.EXPORTED_MODELS
    assert exported == {"patients.patient"}


def test_the_registered_apps_keep_the_export_layout(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    assert list(export.patient_export(patient)) == EXPORT_LAYOUT


def test_export_and_erasure_name_no_app_above_patients():
    above = sorted(app for app, layer in LAYERS.items() if layer > LAYERS["patients"])
    named = re.compile(r"\b(" + "|".join(above) + r")\b")
    for module in (export, erasure):
        source = Path(settings.BASE_DIR, module.__name__.replace(".", "/") + ".py").read_text()
        assert not named.findall(source), module.__name__
