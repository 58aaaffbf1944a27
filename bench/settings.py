"""Settings for `make bench`: the production settings (DEBUG off) on a dedicated database.

Only what plain-HTTP loopback needs differs from production: no HTTPS redirect, no HSTS and
cookies without the `__Host-` prefix or the Secure flag. The rate limit stays on (counters in
Redis, shared by the gunicorn workers, as in production); the driver spreads submissions over
many athletes. Every value can be overridden from the environment.
"""

from __future__ import annotations

import os
import tempfile

from django.core.exceptions import ImproperlyConfigured

# BENCH_* variables, not DATABASE_URL: a DATABASE_URL exported for development must never
# send the generator and the load to the development database.
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rtr_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ["CELERY_BROKER_URL"] = BENCH_REDIS_URL
os.environ["CACHE_URL"] = BENCH_REDIS_URL
os.environ.setdefault("DJANGO_SECRET_KEY", "rtr-bench-only-secret-key-" + "b" * 40)
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ.setdefault(
    "DJANGO_STATIC_ROOT", os.path.join(tempfile.gettempdir(), "rtr-bench-staticfiles")
)

from rtr.settings.base import *  # noqa: E402, F403
from rtr.settings.base import (  # noqa: E402
    BASE_DIR,
    CELERY_BEAT_SCHEDULE,
    DATABASES,
    INSTALLED_APPS,
    TEMPLATES,
)

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The benchmark runs on PostgreSQL (BENCH_DATABASE_URL).")
if DATABASES["default"]["NAME"] in {"rtr_dev", "rtr_ci"} or str(
    DATABASES["default"]["NAME"]
).startswith("test"):
    raise ImproperlyConfigured("The benchmark needs its own database, e.g. rtr_bench.")
if BENCH_REDIS_URL.rstrip("/").endswith(("/14", "/15")):
    raise ImproperlyConfigured("Redis databases 14 and 15 belong to the test suite.")

ROOT_URLCONF = "bench.urls"
# For `manage.py bench_data` (bench/management/commands): the generator is no part of RTR.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# Loopback is plain HTTP: cookies without the Secure flag, so without the __Host- prefix.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"

# The bare comparison views' templates.
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates", BASE_DIR / "bench" / "templates"]

# Beat sends only the check-in outbox relay and the worker canary: the hourly sweep, reminders
# and digests would otherwise start in the middle of a measurement (the sweep is measured on
# its own, by sending the task).
CELERY_BEAT_SCHEDULE = {
    key: CELERY_BEAT_SCHEDULE[key] for key in ("evaluate-pending-checkins", "worker-heartbeat")
}
