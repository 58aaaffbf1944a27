"""Reachability checks for /health/: database, cache, broker and a consuming worker.

Each check answers "ok" or a short fixed word; error texts, hosts and versions are never
shown, since the endpoint needs no sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = f"rtr-health-{get_random_string(8)}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return OK if value == "1" else "unavailable"


def check_broker() -> str:
    from rtr.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


def check_worker() -> str:
    latest = WorkerHeartbeat.latest_seen_at()
    if latest is None:
        return "no heartbeat yet"
    if timezone.now() - latest > settings.RTR_WORKER_STALE_AFTER:
        return "stale"
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


def run_checks() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = "unavailable"
    return results
