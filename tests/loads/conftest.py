from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.patients.factories import make_injury, make_patient


@pytest.fixture
def patient(clinic, physio, athlete):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Alex", last_name="Runner")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    patient.user = athlete
    patient.save()
    return patient


def upload_of(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
