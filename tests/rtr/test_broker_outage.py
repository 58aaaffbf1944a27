"""Issue 24.1: the worker survives a Redis broker outage and a pause by itself.

A private redis-server on its own port is the broker of a real Celery worker with beat
embedded (as `make run` starts it; the compose stack runs beat beside it), in its own process,
on the test's PostgreSQL database. Redis is stopped for 30 s (then started again on the same
port) or paused with SIGSTOP for 5 s; check-ins are saved meanwhile. Afterwards the worker is
the same process, still alive, and evaluates every pending check-in within a minute.

Before: in 2 of 3 outages the worker logged `Unrecoverable error: AttributeError("'NoneType'
object has no attribute 'hostname'")` (kombu's Redis transport, from `restore_unacked`) and
exited.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from checkins import services
from checkins.models import CheckIn
from rtr.models import WorkerHeartbeat
from tests.checkins.factories import checkin_data
from tests.checkins.test_worker_integration import athlete_with_plan
from tests.conftest import service_unavailable
from tests.redis_server import RedisServer, redis_server_missing

ROOT = Path(settings.BASE_DIR)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return bool(predicate())


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{connection.settings_dict['NAME']}"
    )


def worker_env(broker_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rtr.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "RTR_HEARTBEAT_SECONDS": "5",
        **extra,
    }


def start_worker(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rtr",
            "worker",
            "--beat",
            f"--schedule={schedule}",
            "--loglevel=INFO",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"outage-{time.time_ns()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.fixture
def broker(tmp_path):
    reason = redis_server_missing()
    if reason:
        service_unavailable(reason)
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def people(transactional_db, clinic, physio, lead):
    return [athlete_with_plan(clinic, physio) for _ in range(6)]


def submit_all(people, **data) -> None:
    for athlete, patient in people:
        services.checkin_submit(
            patient=patient,
            by=athlete,
            day=services.local_today(patient),
            data=checkin_data(**data),
        )


def pending() -> int:
    return CheckIn.objects.filter(evaluated_at__isnull=True).count()


def run_outage(broker, people, tmp_path, fault) -> None:
    log = tmp_path / "worker.log"
    worker = start_worker(worker_env(broker.url()), log, tmp_path / "beat-schedule")
    try:
        assert wait_for(WorkerHeartbeat.objects.exists, 60), log.read_text()
        submit_all(people[:3], fatigue=3)
        assert wait_for(lambda: pending() == 0, 30), log.read_text()

        fault(people)

        # The same worker process, alive, catches up by itself.
        assert wait_for(lambda: pending() == 0 or worker.poll() is not None, 60), log.read_text()
        assert worker.poll() is None, log.read_text()
        assert pending() == 0, log.read_text()
        assert "Unrecoverable error" not in log.read_text()
        # And it keeps consuming: a new check-in after the outage is evaluated too.
        submit_all(people[:1], fatigue=5)
        assert wait_for(lambda: pending() == 0, 30), log.read_text()
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


@pytest.mark.postgres
@pytest.mark.slow
def test_the_worker_survives_redis_stopped_for_30_seconds(broker, people, tmp_path):
    def stop_for_30_seconds(people) -> None:
        broker.stop()
        submit_all(people, fatigue=6)  # saved with the broker down
        time.sleep(30)  # the outage itself
        broker.start()

    run_outage(broker, people, tmp_path, stop_for_30_seconds)


@pytest.mark.postgres
@pytest.mark.slow
def test_the_worker_survives_redis_paused_for_5_seconds(broker, people, tmp_path):
    def pause_for_5_seconds(people) -> None:
        broker.pause()
        submit_all(people, fatigue=7)
        time.sleep(5)  # the pause itself
        broker.resume()

    run_outage(broker, people, tmp_path, pause_for_5_seconds)


def test_a_late_restore_after_the_connection_closed_puts_the_message_back(broker):
    """The path of "'NoneType' object has no attribute 'hostname'": a channel restoring its
    unacknowledged message after its connection was closed (transport details cleared) and
    its pool dropped. kombu's own transport raises AttributeError here; RTR's restores."""
    from kombu import Connection, Exchange, Queue

    conn = Connection(broker.url(), transport="rtr.broker:RedisTransport")
    channel = conn.channel()
    queue = Queue("rtr-restore", Exchange("rtr-restore"), "rtr-restore")(channel)
    queue.declare()
    conn.Producer(channel=channel).publish(
        {"n": 1}, exchange="rtr-restore", routing_key="rtr-restore"
    )
    message = queue.get(no_ack=False)
    assert message is not None and message.payload == {"n": 1}
    conn.transport.client = None  # what kombu's Connection._do_close_transport does
    channel._pool = None  # dropped on a connection error
    channel.qos.restore_unacked()
    import redis

    assert redis.Redis.from_url(broker.url()).llen("rtr-restore") == 1


def test_an_unanswered_acknowledgement_frees_the_workers_slot(broker):
    """The path of the idle worker after a pause: the ack times out; the prefetch slot is
    freed all the same, so the worker asks for the next message."""
    from kombu import Connection, Exchange, Queue

    conn = Connection(
        broker.url(),
        transport="rtr.broker:RedisTransport",
        transport_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    )
    channel = conn.channel()
    channel.basic_qos(0, 1, False)
    queue = Queue("rtr-ack", Exchange("rtr-ack"), "rtr-ack")(channel)
    queue.declare()
    conn.Producer(channel=channel).publish({"n": 1}, exchange="rtr-ack", routing_key="rtr-ack")
    message = queue.get(no_ack=False)
    assert message is not None
    assert not channel.qos.can_consume()  # prefetch 1: the slot is taken
    broker.pause()
    try:
        message.ack()  # Redis does not answer
    finally:
        broker.resume()
    assert channel.qos.can_consume()
