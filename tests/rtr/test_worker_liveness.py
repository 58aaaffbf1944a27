"""Issue 24: the worker's liveness check, /health/ whatever the broker does, and e-mails that a
lost worker had claimed.

- `manage.py worker_alive` (the compose healthcheck; for any other supervisor) fails on a
  stale heartbeat and, with --kill-stale, ends the worker after its start-up grace.
- The compose worker's healthcheck is that command, with an init as PID 1.
- /health/ answers within a second with the broker (a private redis-server) stopped or
  paused, and a worker that stopped consuming is reported stale within two minutes.
- An e-mail claimed by a worker killed before it sent it goes out within a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rtr.models import WorkerHeartbeat
from tests.conftest import service_unavailable
from tests.redis_server import RedisServer, redis_server_missing

ROOT = Path(settings.BASE_DIR)


def beat_every(name: str) -> float:
    return settings.CELERY_BEAT_SCHEDULE[name]["schedule"].total_seconds()


@pytest.mark.django_db
def test_a_stopped_consumer_is_reported_stale_within_two_minutes(client):
    # The last heartbeat can be one interval old when the worker stops consuming.
    worst = beat_every("worker-heartbeat") + settings.RTR_WORKER_STALE_AFTER.total_seconds()
    assert worst <= 120
    WorkerHeartbeat.objects.create(
        worker="w1",
        last_seen_at=timezone.now() - settings.RTR_WORKER_STALE_AFTER - timedelta(seconds=1),
    )
    assert client.get(reverse("health")).json()["checks"]["worker"] == "stale"


@pytest.mark.django_db
def test_worker_alive_passes_on_a_fresh_heartbeat_and_fails_on_a_stale_one():
    with pytest.raises(CommandError) as never:
        call_command("worker_alive")
    assert never.value.returncode == 1
    assert "no heartbeat yet" in str(never.value)

    beat = WorkerHeartbeat.objects.create(worker="w1", last_seen_at=timezone.now())
    call_command("worker_alive")  # exit 0

    beat.last_seen_at = timezone.now() - settings.RTR_WORKER_STALE_AFTER - timedelta(seconds=5)
    beat.save()
    with pytest.raises(CommandError) as stale:
        call_command("worker_alive")
    assert stale.value.returncode == 1
    assert "stale" in str(stale.value)


@pytest.mark.django_db
def test_worker_alive_kills_a_stale_worker_but_not_one_still_starting(tmp_path):
    WorkerHeartbeat.objects.create(worker="w1", last_seen_at=timezone.now() - timedelta(minutes=10))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pidfile = tmp_path / "worker.pid"
    pidfile.write_text(str(sleeper.pid))
    try:
        # Just started (the pid file is new): its grace; nothing is killed.
        with pytest.raises(CommandError) as starting:
            call_command("worker_alive", "--kill-stale", "--pidfile", str(pidfile))
        assert "still starting" in str(starting.value)
        assert sleeper.poll() is None

        old = time.time() - settings.RTR_WORKER_STALE_AFTER.total_seconds() - 10
        os.utime(pidfile, (old, old))
        with pytest.raises(CommandError) as killed:
            call_command("worker_alive", "--kill-stale", "--pidfile", str(pidfile))
        assert f"killed worker process {sleeper.pid}" in str(killed.value)
        assert sleeper.wait(10) == -9
    finally:
        if sleeper.poll() is None:
            sleeper.kill()


def test_the_compose_worker_healthcheck_is_the_liveness_check():
    local = Path(sys.executable).parent / "docker-compose"
    if not local.exists():
        service_unavailable("needs docker-compose from the dev extras")
    result = subprocess.run(
        [str(local), "config", "--format", "json"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SECRET_KEY": "k" * 50},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    worker = json.loads(result.stdout)["services"]["worker"]
    test = worker["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "manage.py", "worker_alive"]
    assert "--kill-stale" in test
    pidfile = test[test.index("--pidfile") + 1]
    assert f"--pidfile={pidfile}" in worker["command"]
    assert worker["init"] is True
    assert worker["restart"] == "unless-stopped"


@pytest.fixture
def broker(tmp_path, settings):
    reason = redis_server_missing()
    if reason:
        service_unavailable(reason)
    server = RedisServer(tmp_path / "redis")
    server.start()
    settings.CELERY_BROKER_URL = server.url()
    try:
        yield server
    finally:
        server.stop()


def _timed_health() -> tuple[dict[str, str], float]:
    started = time.monotonic()
    response = Client().get(reverse("health"))
    return response.json()["checks"], time.monotonic() - started


@pytest.mark.django_db
def test_health_answers_within_a_second_with_the_broker_paused_or_stopped(broker):
    WorkerHeartbeat.objects.create(worker="w1", last_seen_at=timezone.now())
    checks, _seconds = _timed_health()
    assert checks["broker"] == "ok"

    broker.pause()
    try:
        for _ in range(3):
            checks, seconds = _timed_health()
            assert seconds < 1.0, seconds
            assert checks["broker"] in {"timeout", "unavailable"}
            assert checks["database"] == "ok" and checks["worker"] == "ok"
    finally:
        broker.resume()

    broker.stop()
    checks, seconds = _timed_health()
    assert seconds < 1.0
    assert checks["broker"] == "unavailable"


@pytest.mark.redis
def test_an_email_claimed_by_a_killed_worker_is_sent_within_a_minute(
    transactional_db, clinic, physio, lead
):
    from celery.beat import EmbeddedService
    from celery.contrib.testing.worker import start_worker

    from checkins import services
    from checkins.models import Notification
    from checkins.warning_signs import evaluation
    from rtr.celery import app
    from tests.checkins.factories import checkin_data
    from tests.checkins.test_worker_integration import athlete_with_plan

    athlete, patient = athlete_with_plan(clinic, physio)
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    emails = Notification.objects.filter(channel="email", flag__patient=patient)
    assert emails.count() == 2
    app.control.purge()  # the worker that would have sent them is gone with its messages...
    killed_at = timezone.now()
    # ...killed between claiming them and marking them sent: what it leaves behind.
    emails.update(sending_started_at=killed_at, attempts=1)

    import tempfile

    schedule = Path(tempfile.mkdtemp()) / "beat-schedule"
    beat = EmbeddedService(app, thread=True, schedule_filename=str(schedule))
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        beat.start()
        try:
            deadline = time.monotonic() + 75
            while time.monotonic() < deadline and emails.filter(sent_at__isnull=True).exists():
                time.sleep(0.5)
        finally:
            beat.stop()
    sent = list(emails.values_list("sent_at", flat=True))
    assert all(sent), "not sent again"
    assert max(sent) - killed_at < timedelta(seconds=65)
    flag_mails = [m for m in mail.outbox if m.subject == "A flag needs your review"]
    assert sorted(m.to[0] for m in flag_mails) == sorted([physio.email, lead.email])
