"""The research dataset: consented patients only, k >= 5, nothing that names or dates anyone."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from pycanon import anonymity

from checkins.models import CheckIn
from interop import research
from interop.models import ResearchConsent
from patients import erasure
from tests.checkins.factories import checkin_data
from tests.patients.factories import make_injury, make_patient

pytestmark = pytest.mark.django_db
SITES = ["tibia_posteromedial", "mt3", "fibula", "navicular", "femoral_neck_compression"]
SECRET_NOTE = "my coach shouted at me"
UNCONSENTED_MINUTES = 277


@pytest.fixture
def caseload(clinic, physio):
    people = []
    for n in range(60):
        born = date(1980 + n % 25, 1 + n % 12, 1 + n % 27)
        patient = make_patient(
            clinic=clinic,
            physio=physio,
            date_of_birth=born,
            sex="female" if n % 3 else "male",
            sport=["Running", "Triathlon", "Football"][n % 3],
        )
        diagnosed = date(2025, 1, 1) + timedelta(days=n * 3)
        make_injury(
            patient=patient,
            by=physio,
            site=SITES[n % 5],
            side="left",
            diagnosed_on=diagnosed,
            first_symptoms_on=diagnosed - timedelta(days=9),
        )
        consented = n < 52
        CheckIn.objects.create(
            patient=patient,
            date=diagnosed + timedelta(days=4),
            **checkin_data(
                notes=SECRET_NOTE,
                run_minutes=10 if consented else UNCONSENTED_MINUTES,
            ),
        )
        if consented:
            ResearchConsent.objects.create(patient=patient, recorded_by=physio)
        people.append(patient)
    return people


def _files(data: bytes) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_dataset_is_k_anonymous_and_holds_no_identifier(client, lead, clinic, caseload):
    client.force_login(lead)
    page = client.get(reverse("interop:exports")).content.decode()
    assert "Generalised:" in page and "left out" in page  # the page says what was suppressed
    response = client.post(reverse("interop:research_download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = _files(response.content)
    episodes = list(csv.DictReader(io.StringIO(files["episodes.csv"])))
    assert len(episodes) >= 40
    frame = pd.DataFrame(episodes)
    assert anonymity.k_anonymity(frame, research.QUASI_IDENTIFIERS) >= research.K
    text = "\n".join(files.values())
    for patient in caseload:
        assert patient.first_name not in text and patient.last_name not in text
        assert patient.contact_email not in text
        assert patient.date_of_birth.isoformat() not in text
        assert str(patient.public_id) not in text
    assert SECRET_NOTE not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "no date of any kind"
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2,4}", text)
    # patients without research consent are absent (their check-ins ran 277 minutes)
    daily = list(csv.DictReader(io.StringIO(files["daily.csv"])))
    assert daily and all(row["run_minutes"] != str(UNCONSENTED_MINUTES) for row in daily)
    assert {row["day"] for row in daily} == {"4"}  # days from the diagnosis
    assert len({r["episode"] for r in episodes}) == len(episodes)
    assert "k = " in files["README.txt"]


def test_no_dataset_is_offered_below_k(client, lead, clinic, physio):
    for _ in range(3):
        patient = make_patient(clinic=clinic, physio=physio)
        make_injury(patient=patient, by=physio)
        ResearchConsent.objects.create(patient=patient, recorded_by=physio)
    dataset = research.research_dataset(clinic)
    assert not dataset.is_offered
    client.force_login(lead)
    response = client.post(reverse("interop:research_download"))
    assert response.status_code == 302
    assert "cannot be offered" in client.get(response["Location"]).content.decode()


def test_withdrawn_and_erased_patients_leave_the_dataset(clinic, lead, caseload):
    before = research.research_dataset(clinic, seed=1)
    erasure.patient_erase(patient=caseload[0], by=lead)
    ResearchConsent.objects.filter(patient=caseload[1]).update(withdrawn_at="2026-01-01T00:00Z")
    after = research.research_dataset(clinic, seed=1)
    assert after.consented == before.consented - 2


def test_consent_is_recorded_by_clinical_staff_and_not_by_a_coach(client, physio, coach, clinic):
    patient = make_patient(clinic=clinic, physio=physio)
    url = reverse("interop:research_consent", args=[patient.public_id])
    coach_client = Client()
    coach_client.force_login(coach)
    assert coach_client.post(url, {"consent": "give"}).status_code == 403
    client.force_login(physio)
    assert client.post(url, {"consent": "maybe"}).status_code == 302
    assert not ResearchConsent.objects.exists()  # a bad answer saves nothing
    client.post(url, {"consent": "give"})
    assert ResearchConsent.objects.get(patient=patient).is_active
    client.post(url, {"consent": "withdraw"})
    assert not ResearchConsent.objects.get(patient=patient).is_active
