"""Behaviour with a real Celery worker and Redis (CI), and a request never hangs on a dead broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from rtr.models import TaskProbe, WorkerHeartbeat

ROOT = Path(settings.BASE_DIR)


def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def celery_worker_thread(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from rtr.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.redis
def test_a_task_sent_from_the_status_page_runs_on_a_real_worker(
    client, celery_worker_thread, physio
):
    client.force_login(physio)
    response = client.post(reverse("system_status_probe"))
    assert response.status_code == 302
    probe = TaskProbe.objects.get()
    assert wait_for(
        lambda: TaskProbe.objects.filter(pk=probe.pk, completed_at__isnull=False).exists()
    )
    probe.refresh_from_db()
    assert probe.worker  # the worker's host name, recorded by the task itself
    assert WorkerHeartbeat.objects.filter(worker=probe.worker).exists()
    assert "done by the worker" in client.get(reverse("system_status")).content.decode()


@pytest.mark.redis
def test_the_heartbeat_task_through_redis_makes_health_ok(client, celery_worker_thread):
    from rtr.tasks import record_worker_heartbeat

    record_worker_heartbeat.delay(source="test")
    assert wait_for(lambda: WorkerHeartbeat.objects.exists())
    assert client.get(reverse("health")).json()["checks"]["worker"] == "ok"


def _publish_with_broker(url: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import time, django; django.setup();"
        "from rtr.tasks import complete_task_probe as t; s=time.monotonic();\n"
        "try:\n    t.delay(1); print('published')\n"
        "except Exception as e:\n    print('failed', type(e).__name__)\n"
        "print(round(time.monotonic()-s, 2))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rtr.settings.test", "CELERY_BROKER_URL": url}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_publishing_to_a_closed_port_fails_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    result = _publish_with_broker(f"redis://127.0.0.1:{port}/0")
    lines = result.stdout.split("\n")
    assert lines[0].startswith("failed"), result.stdout + result.stderr
    assert float(lines[1]) < 5


def test_publishing_to_a_broker_that_never_answers_fails_within_seconds():
    """A socket that accepts but never replies: with default settings .delay() hangs > 60 s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_ignore() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_ignore, daemon=True)
    thread.start()
    try:
        result = _publish_with_broker(f"redis://127.0.0.1:{port}/0")
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
    lines = result.stdout.split("\n")
    assert lines[0].startswith("failed"), result.stdout + result.stderr
    assert float(lines[1]) < 10
