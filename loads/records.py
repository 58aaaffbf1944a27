"""A patient's run files in their export and erasure (registered in patients/records.py)."""

from __future__ import annotations

from django.db import transaction

from patients.models import Patient
from patients.records import ExportRows, export_rows, register_records

from .models import RunImport

RUN_MODELS = ("loads.runimport",)


def run_records_export(patient: Patient) -> dict[str, ExportRows]:
    return {
        "run_files": export_rows(RunImport.objects.filter(patient=patient), exclude=("sha256",))
    }


def run_records_erase(patient: Patient) -> None:
    """The watch's files go (a GPS track locates the person); the run figures stay."""
    runs = list(RunImport.objects.filter(patient=patient).exclude(file=""))
    names = [run.file.name for run in runs if run.file.name]
    for run in runs:
        run.file = ""
        run.sha256 = f"erased-{run.pk}"
        run.save(update_fields=["file", "sha256"])
    if runs:
        storage = runs[0].file.storage

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)


def register_patient_records() -> None:
    register_records(
        "loads", order=40, export=run_records_export, erase=run_records_erase, models=RUN_MODELS
    )
