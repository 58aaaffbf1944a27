from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from checkins.models import CheckIn
from patients.models import Patient


def checkin_post(**overrides: Any) -> dict[str, Any]:
    """A valid form post for a day with a pain-free session done as prescribed (the library's
    first stage prescribes walking: no running, so running here would be a load spike)."""
    data: dict[str, Any] = {
        "pain_rest": "0",
        "pain_next_morning": "0",
        "focal_tenderness": "none",
        "swelling": "none",
        "session_done": "as_prescribed",
        "pain_during": "1",
        "pain_after": "0",
        "run_minutes": "0",
        "walk_minutes": "10",
        "cross_training_minutes": "0",
        "session_rpe": "3",
        "sleep_hours": "7.5",
        "sleep_quality": "4",
        "fatigue": "3",
        "stress": "2",
        "confidence": "7",
        "fuelling_adequate": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def checkin_data(**overrides: Any) -> dict[str, Any]:
    """Cleaned data for the service (a pain-free walking session, as the first stage prescribes)."""
    data: dict[str, Any] = {
        "pain_rest": 0,
        "pain_next_morning": 0,
        "focal_tenderness": "none",
        "swelling": "none",
        "night_pain": False,
        "pain_with_walking": False,
        "groin_pain": False,
        "session_done": "as_prescribed",
        "pain_during": 1,
        "pain_after": 0,
        "run_minutes": 0,
        "run_distance_km": None,
        "walk_minutes": 10,
        "cross_training_minutes": 0,
        "strength_done": False,
        "session_rpe": 3,
        "cadence": None,
        "sleep_hours": Decimal("7.5"),
        "sleep_quality": 4,
        "fatigue": 3,
        "stress": 2,
        "fuelling_adequate": True,
        "calcium_vitd_taken": False,
        "confidence": 7,
        "notes": "",
        "steps": None,
        "resting_hr": None,
        "hrv_ms": None,
    }
    data.update(overrides)
    return data


def make_history(*, patient: Patient, last: date, days: int, **overrides: Any) -> list[CheckIn]:
    rows = []
    for back in range(days):
        values = dict(checkin_data(**overrides).items())
        rows.append(
            CheckIn(
                patient=patient,
                date=last - timedelta(days=back),
                prescribed_kind="session",
                prescribed_run_minutes=Decimal(5),
                **values,
            )
        )
    return CheckIn.objects.bulk_create(rows)
