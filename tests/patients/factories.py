"""Factories for patient records: `clinic` (or `patient`) is always a required keyword."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from patients import services
from patients.models import Injury, Patient
from rtr.accounts.models import Clinic, User

_seq = itertools.count(1)


def make_patient(*, clinic: Clinic, physio: User, **overrides: Any) -> Patient:
    n = next(_seq)
    data: dict[str, Any] = {
        "first_name": f"Pat{n}",
        "last_name": f"Ient{n}",
        "date_of_birth": date(1995, 5, 17),
        "sex": "female",
        "sport": "Running",
        "discipline": "marathon",
        "contact_email": f"patient{n}@example.org",
        "status": "active",
    }
    data.update(overrides)
    consent = data.pop("consent_given", True)
    return services.patient_create(
        clinic=clinic, by=physio, consent_given=consent, assigned_physio=physio, **data
    )


def make_injury(*, patient: Patient, by: User, **overrides: Any) -> Injury:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "site": "tibia_posteromedial",
        "side": "left",
        "first_symptoms_on": today - timedelta(days=30),
        "diagnosed_on": today - timedelta(days=20),
        "fredericson_grade": "3",
    }
    data.update(overrides)
    return services.injury_create(patient=patient, by=by, **data)
