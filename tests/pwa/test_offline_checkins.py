"""Check-ins kept on the phone and sent later (issue 21): sent twice, saved once; only for the
athlete who saved them; refused clearly, nothing half-saved."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, CheckInReceipt
from tests.patients.factories import make_injury, make_patient

pytestmark = pytest.mark.django_db

SYNC = reverse("pwa:checkin_sync")


@pytest.fixture
def alex(clinic, physio, athlete):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Alex", last_name="Runner")
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    return patient


@pytest.fixture
def sam(clinic, physio, other_athlete):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Sam", last_name="Strider")
    patient.user = other_athlete
    patient.save()
    return patient


def answers(patient, *, day=None, **changes):
    data = {
        "date": (day or services.local_today(patient)).isoformat(),
        "pain_rest": "1",
        "pain_next_morning": "1",
        "focal_tenderness": "none",
        "swelling": "none",
        "session_done": "rest_day",
        "athlete": str(patient.user.public_id),
    }
    data.update(changes)
    return data


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_same_check_in_sent_twice_is_saved_once_and_not_changed_by_the_second(alex):
    client = signed_in(alex.user)
    client_id = str(uuid.uuid4())

    first = client.post(SYNC, answers(alex, client_id=client_id))
    second = client.post(SYNC, answers(alex, client_id=client_id, pain_rest="6"))

    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "sent"
    assert first.json()["checkin"] == second.json()["checkin"]
    assert CheckIn.objects.filter(patient=alex).count() == 1
    assert CheckInReceipt.objects.filter(client_id=client_id).count() == 1
    saved = CheckIn.objects.get(patient=alex)
    assert saved.pain_rest == 1 and saved.edited_at is None  # the replay changed nothing


def test_a_replayed_late_check_in_is_answered_as_sent_not_refused(alex):
    client = signed_in(alex.user)
    client_id = str(uuid.uuid4())
    yesterday = services.local_today(alex) - timedelta(days=1)

    first = client.post(SYNC, answers(alex, day=yesterday, client_id=client_id))
    again = client.post(SYNC, answers(alex, day=yesterday, client_id=client_id))
    other = client.post(SYNC, answers(alex, day=yesterday, client_id=str(uuid.uuid4())))

    assert first.status_code == again.status_code == 200
    assert other.status_code == 400  # a different check-in for yesterday is still refused
    assert "already recorded" in other.json()["message"]
    assert CheckIn.objects.filter(patient=alex, date=yesterday, is_late=True).count() == 1
    assert CheckInReceipt.objects.count() == 1


def test_the_web_form_with_a_client_id_also_saves_once(alex):
    client = signed_in(alex.user)
    data = answers(alex, client_id=str(uuid.uuid4()))
    assert client.post(reverse("checkins:submit"), data).status_code == 302
    assert client.post(reverse("checkins:submit"), {**data, "pain_rest": "7"}).status_code == 302
    saved = CheckIn.objects.get(patient=alex)
    assert saved.pain_rest == 1 and saved.edited_at is None
    assert CheckInReceipt.objects.filter(checkin=saved).count() == 1


def test_a_check_in_saved_for_another_account_is_refused_for_this_one(alex, sam):
    client = signed_in(sam.user)
    response = client.post(SYNC, answers(alex, client_id=str(uuid.uuid4())))
    assert response.status_code == 409
    assert "another account" in response.json()["message"]
    assert not CheckIn.objects.exists()


def test_another_patients_client_id_is_refused(alex, sam):
    client_id = str(uuid.uuid4())
    assert signed_in(alex.user).post(SYNC, answers(alex, client_id=client_id)).status_code == 200
    response = signed_in(sam.user).post(SYNC, answers(sam, client_id=client_id))
    assert response.status_code == 400
    assert CheckIn.objects.filter(patient=sam).count() == 0
    assert CheckIn.objects.get(patient=alex).pain_rest == 1


@pytest.mark.parametrize("client_id", ["", "not-a-uuid"])
def test_a_missing_or_bad_client_id_is_a_clear_400(alex, client_id):
    response = signed_in(alex.user).post(SYNC, answers(alex, client_id=client_id))
    assert response.status_code == 400
    assert "id from your phone" in response.json()["message"]
    assert not CheckIn.objects.exists()


def test_missing_answers_are_a_400_with_the_fields_and_nothing_saved(alex):
    data = answers(alex, client_id=str(uuid.uuid4()))
    del data["pain_rest"]
    response = signed_in(alex.user).post(SYNC, data)
    assert response.status_code == 400
    assert "pain_rest" in response.json()["errors"]
    assert not CheckIn.objects.exists() and not CheckInReceipt.objects.exists()


def test_an_expired_session_is_sent_to_sign_in_and_nothing_is_saved(alex):
    response = Client().post(SYNC, answers(alex, client_id=str(uuid.uuid4())))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CheckIn.objects.exists()


def test_the_session_says_which_athlete_is_signed_in(alex, physio):
    url = reverse("pwa:session")
    assert Client().get(url).json()["athlete"] is None
    assert signed_in(alex.user).get(url).json()["athlete"] == str(alex.user.public_id)
    assert signed_in(physio).get(url).json()["athlete"] is None
    assert "no-store" in Client().get(url)["Cache-Control"]
