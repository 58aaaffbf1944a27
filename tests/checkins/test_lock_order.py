"""Issue 24.2: saving check-ins while the worker's outbox relay evaluates them never deadlocks.

100 simultaneous submissions across 10 athletes on PostgreSQL, with a real Celery worker and
its beat running the every-second relay: no 503 (the probe saw "deadlock detected" in 10 of
110 before the relay took the patient lock first), one row per athlete and day, and every
check-in evaluated afterwards.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from rtr.locking import is_deadlock, retry_on_deadlock
from tests.checkins.factories import checkin_post
from tests.checkins.test_worker_integration import (  # noqa: F401 (a fixture)
    athlete_with_plan,
    wait_for,
    worker_and_beat,
)

ATHLETES = 10
SUBMISSIONS = 100
# 100 clients at once would need 100 PostgreSQL connections (the server's default maximum,
# shared with the worker and the test itself): 25 threads start together, four submissions each.
THREADS = 25


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.usefixtures("worker_and_beat")
def test_a_hundred_simultaneous_submissions_with_the_worker_running_never_deadlock(
    clinic, physio, lead
):
    people = [athlete_with_plan(clinic, physio) for _ in range(ATHLETES)]
    jobs = [people[i % ATHLETES] for i in range(SUBMISSIONS)]
    random.Random(24).shuffle(jobs)
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def submit(share: list) -> None:
        try:
            clients: dict[int, Client] = {}
            barrier.wait(timeout=30)
            for athlete, patient in share:
                client = clients.get(athlete.pk)
                if client is None:
                    client = clients[athlete.pk] = Client()
                    client.force_login(athlete)
                response = client.post(
                    reverse("checkins:submit"),
                    checkin_post(
                        date=services.local_today(patient).isoformat(),
                        fatigue=str(random.randint(1, 10)),
                        night_pain="on" if random.random() < 0.3 else None,
                    ),
                )
                statuses.append(response.status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(jobs[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(statuses) == SUBMISSIONS
    assert 503 not in statuses and 500 not in statuses, statuses
    assert set(statuses) == {302}
    for _athlete, patient in people:
        assert CheckIn.objects.filter(patient=patient).count() == 1
    # The relay catches up with every last edit: nothing left pending.
    assert wait_for(lambda: not CheckIn.objects.filter(evaluated_at__isnull=True).exists(), 60)


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    try:
        raise OperationalError("deadlock detected") from _Deadlock()
    except OperationalError as error:
        return error


def test_a_deadlock_is_retried_once_then_reported(transactional_db):
    calls: list[int] = []

    def once_deadlocked() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _deadlock()
        return "saved"

    assert retry_on_deadlock(once_deadlocked, what="test") == "saved"
    assert len(calls) == 2

    def always_deadlocked() -> str:
        calls.append(1)
        raise _deadlock()

    calls.clear()
    with pytest.raises(OperationalError):
        retry_on_deadlock(always_deadlocked, what="test")
    assert len(calls) == 2  # one retry, then the 503 page


def test_only_a_deadlock_is_retried(transactional_db):
    assert is_deadlock(_deadlock())
    assert not is_deadlock(OperationalError("server closed the connection"))
    calls: list[float] = []

    def connection_lost() -> None:
        calls.append(time.monotonic())
        raise OperationalError("server closed the connection")

    with pytest.raises(OperationalError):
        retry_on_deadlock(connection_lost, what="test")
    assert len(calls) == 1
