"""A Redis cache that fails open: nothing RTR does may stop because the cache is down.

What lives in the cache is counters: django-ratelimit's (check-in submissions, sign-in links)
and allauth's (sign-in, password reset). Sessions are in the database and django-axes counts
failed sign-ins in the database. With Django's Redis backend, a stopped Redis made every
check-in a 500 (issue 15): the counter raised.

`FailOpenRedisCache` is Django's Redis backend whose calls, when Redis is down or silent
(refused, reset, timed out after a short socket timeout), answer as an empty cache that
accepts everything: `get` the default, `add` True (so allauth's lock is "taken" and a
rate-limit counter "starts"), `incr` the delta. The request goes on, unthrottled for the
outage, and the log says so once per `cooloff` seconds: after a failure the backend does not
ask Redis again for that long, so a paused Redis costs one request one socket timeout, not
every request one per cache call. django-redis' IGNORE_EXCEPTIONS was tried first: it answers
None to `add`, and allauth then waits a second for its lock and refuses the sign-in (429).

`/health/` asks Redis itself (`ping`), past the fail-open answers, so it says the cache is down.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("rtr.cache")

REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, socket.timeout, OSError)


class FailOpenRedisCache(RedisCache):
    cooloff = 5.0  # seconds without asking Redis after a failure

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.cooloff = float(options.pop("COOLOFF", self.cooloff))
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _failed(self, error: BaseException, call: str) -> None:
        with self._lock:
            first = time.monotonic() >= self._down_until
            self._down_until = time.monotonic() + self.cooloff
        if first:
            logger.warning(
                "cache unavailable (%s in %s): carrying on without it for %.0f s",
                type(error).__name__,
                call,
                self.cooloff,
            )

    def _guard(self, call: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), call)(*args, **kwargs)
        except REDIS_ERRORS as error:
            self._failed(error, call)
            return fallback

    def ping(self) -> bool:
        """Ask Redis itself, whatever the fail-open state (for /health/); raises when down."""
        return bool(self._cache.get_client(write=True).ping())

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return bool(self._guard("add", True, key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard("get", default, key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guard("set", None, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(self._guard("touch", False, key, timeout, version))

    def delete(self, key: Any, version: Any = None) -> bool:
        return bool(self._guard("delete", False, key, version))

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        result: dict[Any, Any] = self._guard("get_many", {}, keys, version)
        return result

    def has_key(self, key: Any, version: Any = None) -> bool:
        return bool(self._guard("has_key", False, key, version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        result: int = self._guard("incr", delta, key, delta, version)
        return result

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        result: list[Any] = self._guard("set_many", [], data, timeout, version)
        return result

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guard("delete_many", None, keys, version)

    def clear(self) -> None:
        self._guard("clear", None)
