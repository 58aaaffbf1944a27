"""Ten simultaneous submissions of one athlete's check-in on real PostgreSQL leave one row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from tests.checkins.factories import checkin_post

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_simultaneous_submissions_leave_one_check_in_and_no_500(athlete, patient, plan):
    day = services.local_today(patient).isoformat()
    clients = []
    for _ in range(10):
        client = Client()
        client.force_login(athlete)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit(client: Client, fatigue: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(
                reverse("checkins:submit"), checkin_post(date=day, fatigue=str(fatigue))
            )
            statuses.append(response.status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c, i % 10)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(statuses) == 10
    assert 500 not in statuses
    # Serialised on the patient row: every submission succeeds, the later ones as updates.
    assert statuses == [302] * 10
    assert CheckIn.objects.filter(patient=patient).count() == 1
