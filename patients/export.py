"""A patient's data, all of it, for a data subject access request (UK GDPR Art. 15 / 20).

Every table that holds a row about the patient is exported by the app that owns it, through
the registry in patients/records.py; the test creates a row in each for two patients and checks
that the export of one holds all of its rows and none of the other's. Secrets (the invitation
nonce, the password hash) are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .records import exported_models, records_in_order

if TYPE_CHECKING:
    from .models import Patient

FORMAT_VERSION = 1


def __getattr__(name: str) -> frozenset[str]:
    """`EXPORTED_MODELS`: every model holding rows of one patient, as the apps registered them
    (read once the apps are ready); a test fails when a new one is not exported."""
    if name == "EXPORTED_MODELS":
        return exported_models()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def patient_export(patient: Patient) -> dict[str, Any]:
    """Everything recorded about one patient, grouped by kind of record."""
    data: dict[str, Any] = {"format": FORMAT_VERSION, "exported_at": timezone.now().isoformat()}
    for entry in records_in_order():
        if entry.export is not None:
            data.update(entry.export(patient))
    return data
