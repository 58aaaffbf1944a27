"""Settings for the test suite: base settings plus fast, isolated defaults.

DATABASE_URL and CELERY_BROKER_URL are taken from the environment when set (CI points them
at PostgreSQL and Redis); otherwise the suite runs on SQLite, and the tests that need a
real service skip with the reason (RTR_REQUIRE_SERVICES=1 turns those skips into failures).
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "rtr-test-secret-key-" + "x" * 40)
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("CACHE_URL", "locmemcache://rtr-tests")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault(  # run files (issue 19): a private folder per test session
    "RTR_PRIVATE_DIR", os.path.join(tempfile.gettempdir(), f"rtr-test-private-{os.getpid()}")
)
os.environ.setdefault("RTR_BROKER_DIR", os.path.join(tempfile.gettempdir(), "rtr-test-broker"))

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if os.environ.get("RTR_TEST_EMAIL_DIR"):
    # A worker started as a separate process by a test writes its e-mails here for the test to count.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["RTR_TEST_EMAIL_DIR"]},
        }
    }
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
CELERY_TASK_ALWAYS_EAGER = False
if os.environ.get("RTR_EVALUATION_TEST_DELAY"):
    # A worker started by the worker-lost test holds each evaluation open for this long, so the
    # test can kill it in the middle of one (the pause is the test's, not the app's).
    import tests.checkins.evaluation_pause  # noqa: F401
RATELIMIT_ENABLE = False  # on in the tests of the limits themselves (tests/security)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The WAL pragma and immediate transactions are for the shared file of `make run`.
    DATABASES["default"]["OPTIONS"] = {}
else:
    # Threads in tests (live server, embedded Celery worker) close their connections after each
    # request or task, so the test database can be dropped at the end of the run.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
