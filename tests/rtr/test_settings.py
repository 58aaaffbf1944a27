"""Start-up refuses unsafe production settings; the WSGI process gets Celery's Django fix-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_unavailable

ROOT = Path(settings.BASE_DIR)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_a_missing_secret_key():
    result = run_python("import rtr.settings.base", DJANGO_DEBUG="0", DATABASE_URL="sqlite:///x")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_secret_key():
    from rtr.settings.base import DEV_SECRET_KEY

    result = run_python(
        "import rtr.settings.base",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=DEV_SECRET_KEY,
        DATABASE_URL="sqlite:///x",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_fall_back_to_sqlite():
    result = run_python("import rtr.settings.base", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_settings_load_with_a_real_key_and_secure_cookies():
    result = run_python(
        "import rtr.settings.base as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="sqlite:///x",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_debug_runs_with_nothing_set_on_sqlite_and_the_file_broker():
    result = run_python(
        "import rtr.settings.base as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        DJANGO_DEBUG="1",
        CELERY_BROKER_URL="filesystem://",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_wsgi_process_has_delay_on_commit():
    """Celery's Django fix-up is installed only if DJANGO_SETTINGS_MODULE is set in time."""
    code = (
        "import os; os.environ.pop('DJANGO_SETTINGS_MODULE', None);"
        "import rtr.wsgi; from rtr.tasks import complete_task_probe;"
        "print(hasattr(complete_task_probe, 'delay_on_commit'))"
    )
    result = run_python(code, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_celery_settings_protect_against_lost_and_hung_work():
    from rtr.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_soft_time_limit
    assert conf.task_time_limit > conf.task_soft_time_limit
    assert conf.task_publish_retry_policy["max_retries"] <= 1
    assert "worker-heartbeat" in conf.beat_schedule


def test_redis_broker_gets_socket_timeouts():
    result = run_python(
        "import rtr.settings.base as s; o=s.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(o['socket_timeout'], o['socket_connect_timeout'])",
        DJANGO_DEBUG="1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "2"]


def test_docker_compose_file_is_valid():
    """No Docker engine here: `docker compose config` validates the file without one."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    local = Path(sys.executable).parent / "docker-compose"
    if local.exists():
        candidates.append([str(local)])
    elif shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    env = {**os.environ, "DJANGO_SECRET_KEY": "k" * 50}
    for command in candidates:
        probe = subprocess.run(
            [*command, "version"], capture_output=True, text=True, env=env, check=False
        )
        if probe.returncode != 0:
            continue
        result = subprocess.run(
            [*command, "config", "--services"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert set(result.stdout.split()) == {"db", "redis", "migrate", "web", "worker", "beat"}
        return
    service_unavailable(
        "needs Docker Compose (docker compose, or docker-compose from the dev extras)"
    )


@pytest.mark.parametrize("var", ["DJANGO_SECRET_KEY"])
def test_compose_refuses_to_start_without_a_secret_key(var):
    local = Path(sys.executable).parent / "docker-compose"
    if not local.exists():
        service_unavailable("needs docker-compose from the dev extras")
    env = {k: v for k, v in os.environ.items() if k != var}
    result = subprocess.run(
        [str(local), "config", "-q"], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0
    assert var in result.stderr
