"""Shared fixtures: personas (after healthchecks' alice/bob/charlie) and real-service gates.

Personas, all in `clinic` unless said otherwise:
    lead, physio, coach, athlete, other_athlete; `outsider` is a physio of `other_clinic`,
    `outsider_lead` its lead and `outsider_athlete` one of its athletes.

Tests marked `postgres`, `redis` or `browser` need that real service. When it is missing
they skip with the reason; with RTR_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from rtr.accounts.models import Role

from .factories import make_clinic, make_member

REQUIRE_SERVICES = os.environ.get("RTR_REQUIRE_SERVICES", "") in {"1", "true", "yes"}
CHROMIUM = os.environ.get("RTR_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def service_unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"RTR_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://... to run it"
    return None


def redis_missing() -> str | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "needs Redis: set CELERY_BROKER_URL=redis://... to run it"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError:
        return f"needs Redis: nothing answers at {url}"
    return None


def chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package (make test installs it)"
    return None


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """`Client.force_login` stands for a finished sign-in, second factor included, as it skips
    the sign-in form altogether. tests/accounts/test_two_factor.py signs in through the real
    forms, and checks that a session without the second factor reaches no page."""
    from allauth.account.internal.flows.login import record_authentication
    from django.http import HttpRequest
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        request = HttpRequest()
        request.session = self.session
        record_authentication(request, user, "mfa", type="totp")
        request.session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth counts failed sign-ins (per address, per account and address, per account for
    second-factor codes) in the cache: no test inherits another's counts."""
    from django.core.cache import cache

    cache.clear()


GATES = {"postgres": postgres_missing, "redis": redis_missing, "browser": chromium_missing}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, missing in GATES.items():
        if item.get_closest_marker(marker):
            reason = missing()
            if reason:
                service_unavailable(reason)


@pytest.fixture
def clinic(db):
    return make_clinic(name="Riverside Test Clinic", time_zone="Europe/London")


@pytest.fixture
def other_clinic(db):
    return make_clinic(name="Harbour Test Clinic", time_zone="Australia/Sydney")


@pytest.fixture
def lead(clinic):
    return make_member(clinic=clinic, role=Role.LEAD, first_name="Laura", last_name="Lead")


@pytest.fixture
def physio(clinic):
    return make_member(clinic=clinic, role=Role.PHYSIO, first_name="Priya", last_name="Physio")


@pytest.fixture
def coach(clinic):
    return make_member(clinic=clinic, role=Role.COACH, first_name="Carla", last_name="Coach")


@pytest.fixture
def athlete(clinic):
    return make_member(clinic=clinic, role=Role.ATHLETE, first_name="Alex", last_name="Runner")


@pytest.fixture
def other_athlete(clinic):
    return make_member(clinic=clinic, role=Role.ATHLETE, first_name="Sam", last_name="Strider")


@pytest.fixture
def outsider(other_clinic):
    return make_member(
        clinic=other_clinic, role=Role.PHYSIO, first_name="Olly", last_name="Outsider"
    )


@pytest.fixture
def outsider_lead(other_clinic):
    return make_member(clinic=other_clinic, role=Role.LEAD, first_name="Hana", last_name="Harbour")


@pytest.fixture
def outsider_athlete(other_clinic):
    return make_member(
        clinic=other_clinic, role=Role.ATHLETE, first_name="Ola", last_name="Harbour"
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the run, end connections left by helper threads (embedded worker, live server)
    so that PostgreSQL lets the test database be dropped."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
