"""Distances in the clinic's unit (issue 17): kept in km, shown and asked in km or miles."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from checkins.models import CheckIn
from protocols.models import SessionStep
from rtr import units


def test_a_distance_kept_in_km_is_said_in_either_unit():
    assert units.distance(Decimal("5"), "km") == "5.0 km"
    assert units.distance(Decimal("5"), "mi") == "3.1 mi"
    assert units.distance(None, "mi") == ""


def test_distances_written_in_a_text_follow_the_unit():
    label = "Walk 2 / run 3 × 4 (~1.0–1.5 mi)"
    assert units.in_unit(label, "km") == "Walk 2 / run 3 × 4 (~1.6–2.4 km)"
    assert units.in_unit(label, "mi") == label
    assert units.in_unit("Continuous 5 km", "mi") == "Continuous 3.1 mi"
    assert units.in_unit("Walk 10 min", "km") == "Walk 10 min"  # minutes are not miles
    assert units.in_unit("milestone 2 mins", "km") == "milestone 2 mins"


@pytest.mark.django_db
def test_no_library_step_shows_miles_to_a_km_clinic():
    for label in SessionStep.objects.filter(
        stage__template__clinic__isnull=True, label__contains=" mi"
    ).values_list("label", flat=True):
        assert " mi" not in units.in_unit(label, "km").replace(" min", ""), label


@pytest.mark.django_db
def test_a_miles_clinic_asks_and_keeps_the_run_distance(client, clinic, physio, athlete):
    from checkins.services import local_today
    from tests.checkins.factories import checkin_post
    from tests.patients.factories import make_injury, make_patient
    from tests.protocols.factories import active_plan, library

    clinic.distance_unit = "mi"
    clinic.save()
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    client.force_login(athlete)
    page = client.get(reverse("athlete_home")).content.decode()
    assert "Run distance (miles)" in page
    response = client.post(
        reverse("checkins:submit"),
        checkin_post(
            date=local_today(patient).isoformat(),
            session_done="modified",
            walk_minutes=20,
            run_distance_km="2",
        ),
    )
    said = re.findall(r"invalid-feedback d-block[^>]*>([^<]+)", response.content.decode())
    assert response.status_code in {200, 302}, said
    assert CheckIn.objects.get(patient=patient).run_distance_km == Decimal("3.22")
