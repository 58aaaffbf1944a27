from __future__ import annotations

import pytest

from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library


@pytest.fixture
def patient(clinic, physio, athlete):
    """The athlete's record, with a posteromedial tibia BSI."""
    patient = make_patient(
        clinic=clinic, physio=physio, first_name="Alex", last_name="Runner", sex="female"
    )
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    patient.user = athlete
    patient.save()
    return patient


@pytest.fixture
def plan(patient, physio):
    """Started two days ago, so that "no check-in for 3 days" does not fire on its own."""
    from datetime import timedelta

    from checkins.services import local_today

    return active_plan(
        patient=patient,
        template=library(),
        by=physio,
        start=local_today(patient) - timedelta(days=2),
    )
