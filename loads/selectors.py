from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from patients.models import Patient

from . import services
from .models import ImportStatus, RunImport


def latest_import(patient: Patient, today: date) -> RunImport | None:
    """The athlete's latest upload of the last two days (the card shows how it went)."""
    return (
        RunImport.objects.filter(patient=patient, uploaded_at__date__gte=today - timedelta(days=1))
        .order_by("-uploaded_at")
        .first()
    )


def card_context(patient: Patient, today: date) -> dict[str, Any]:
    run = latest_import(patient, today)
    fill = None
    if (
        run is not None
        and run.status == ImportStatus.DONE
        and run.local_date
        in {
            today,
            today - timedelta(days=1),
        }
    ):
        values = services.checkin_values(run)
        fill = {
            "date": run.local_date.isoformat() if run.local_date else None,
            "run_minutes": values["run_minutes"],
            "walk_minutes": values["walk_minutes"],
            "run_distance_km": str(values["run_distance_km"])
            if values["run_distance_km"]
            else None,
            "cadence": values["cadence"],
            "session_rpe": values["session_rpe"],
        }
    return {"run": run, "fill": fill, "today": today}


def patient_imports(patient: Patient, limit: int = 10) -> list[RunImport]:
    return list(
        RunImport.objects.filter(patient=patient)
        .select_related("checkin")
        .order_by("-local_date", "-uploaded_at")[:limit]
    )
