"""The load section of the patient page and the athlete's load view: a fixed number of queries
whatever the number of days, and the figures drawn from check-ins and imports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services as checkin_services
from checkins.models import CheckIn
from loads.models import RunImport
from tests.checkins.factories import checkin_data
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db


def fill_days(patient, days: int) -> None:
    today = checkin_services.local_today(patient)
    checkins, runs = [], []
    for n in range(days):
        day = today - timedelta(days=n)
        checkins.append(
            CheckIn(
                patient=patient,
                date=day,
                **checkin_data(
                    run_minutes=20 + n % 10,
                    run_distance_km=Decimal("3.5"),
                    session_rpe=4,
                    resting_hr=52,
                    hrv_ms=60 + n % 7,
                ),
            )
        )
        if n % 2 == 0:
            runs.append(
                RunImport(
                    patient=patient,
                    file_format="fit",
                    file_bytes=100,
                    sha256=f"s{n}",
                    status="done",
                    local_date=day,
                    sport="running",
                    started_at=datetime.combine(day, time(7), tzinfo=UTC),
                    moving_s=1500,
                    elapsed_s=1560,
                    distance_m=Decimal("4000"),
                    cadence_spm=Decimal("170.0"),
                    avg_hr=150,
                    max_hr=170,
                )
            )
    CheckIn.objects.bulk_create(checkins)
    RunImport.objects.bulk_create(runs)


# session, user, membership (the middleware); the patient with its clinic; check-ins; imports;
# the plan's stage (cadence target); the list of runs with their check-ins
QUERIES = 8


def section_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("loads:patient_section", args=[patient.public_id]))
    assert response.status_code == 200
    return len(queries)


def test_the_load_section_takes_the_same_queries_for_10_or_180_days(client, patient, physio):
    active_plan(patient=patient, template=library(), by=physio)
    client.force_login(physio)
    fill_days(patient, 10)
    few = section_queries(client, patient)
    CheckIn.objects.all().delete()
    RunImport.objects.all().delete()
    fill_days(patient, 180)
    assert section_queries(client, patient) == few


def test_the_patient_page_with_180_days_renders_in_a_fixed_number_of_queries(
    client, patient, physio, django_assert_num_queries
):
    active_plan(patient=patient, template=library(), by=physio)
    fill_days(patient, 180)
    client.force_login(physio)
    client.get(reverse("loads:patient_section", args=[patient.public_id]))  # warm the session
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("loads:patient_section", args=[patient.public_id]))
    page = response.content.decode()
    data = json.loads(unescape(page.split('data-chart-json="', 1)[1].split('"', 1)[0]))
    assert len(data["labels"]) == 180
    # Every day has a check-in: the check-in's run minutes count, the import adds its cadence.
    assert sum(data["week_run_done"]) == sum(20 + n % 10 for n in range(180))
    assert {c for c in data["cadence"] if c is not None} == {170.0}
    assert data["acwr"][26] is None and data["acwr"][-1] is not None
    assert data["hrv"][-1] == 60 and data["resting_hr"][-1] == 52
    assert "Runs from the watch" in page and "Download the file" not in page  # no stored file


def test_the_athlete_sees_the_load_in_their_history(client, patient, athlete):
    fill_days(patient, 40)
    client.force_login(athlete)
    history = client.get(reverse("checkins:history")).content.decode()
    assert reverse("loads:athlete_load") in history
    section = client.get(reverse("loads:athlete_load")).content.decode()
    assert 'data-chart="acwr"' in section and 'data-chart="weekly"' in section
