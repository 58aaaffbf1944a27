"""Reachability checks for /health/: database, cache, broker and a consuming worker.

Each check answers "ok" or a short fixed word; error texts, hosts and versions are never
shown, since the endpoint needs no sign-in.

/health/ answers within about a second whatever Redis does (issue 24): the cache and broker
checks run in threads with short socket timeouts and a shared deadline; one that has not
answered by then is reported "timeout" (a paused Redis accepts connections and never replies,
which took the page 7 s before). The database and worker checks run in the request's own
thread, on its own connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from .celery import app
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


# Seconds: the socket timeouts of the network checks, and the whole page's deadline.
SOCKET_TIMEOUT = 0.5
DEADLINE = 0.9
NETWORK_CHECKS = {"cache", "broker"}
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rtr-health")


def check_cache() -> str:
    ping = getattr(cache, "ping", None)
    if ping is not None:
        # rtr.cache.FailOpenRedisCache answers as an empty cache when Redis is down: ask Redis.
        return OK if ping() else "unavailable"
    key = f"rtr-health-{get_random_string(8)}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return OK if value == "1" else "unavailable"


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL or ""
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        try:
            return OK if client.ping() else "unavailable"
        finally:
            client.close()
    with app.connection_for_write() as conn:
        # kombu takes the timeout in seconds as a float; celery-types says int.
        conn.ensure_connection(max_retries=1, timeout=SOCKET_TIMEOUT)  # type: ignore[arg-type]
    return OK


def heartbeat_age_seconds() -> float | None:
    """Seconds since a worker last recorded the heartbeat (None: never)."""
    latest = WorkerHeartbeat.latest_seen_at()
    if latest is None:
        return None
    return (timezone.now() - latest).total_seconds()


def check_worker() -> str:
    """The worker's liveness: its heartbeat task's age. /health/, `manage.py worker_alive`
    (the compose healthcheck) and make run's supervisor (rtr/supervisor.py) all read it."""
    age = heartbeat_age_seconds()
    if age is None:
        return "no heartbeat yet"
    if age > settings.RTR_WORKER_STALE_AFTER.total_seconds():
        return "stale"
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


def _guarded(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:
        logger.warning("health check %s failed", name, exc_info=True)
        return "unavailable"


def run_checks() -> dict[str, str]:
    deadline = time.monotonic() + DEADLINE
    futures: dict[str, Future[str]] = {
        name: _pool.submit(_guarded, name, check)
        for name, check in CHECKS.items()
        if name in NETWORK_CHECKS
    }
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name not in NETWORK_CHECKS:
            results[name] = _guarded(name, check)
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            logger.warning("health check %s did not answer within %.1f s", name, DEADLINE)
            results[name] = "timeout"
    return {name: results[name] for name in CHECKS}
