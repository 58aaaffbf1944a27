"""Issue 15 (outside probe): with CACHE_URL on Redis, Redis down or silent must not stop a
check-in, a sign-in or a staff page.

The probe stopped Redis and got a 500 for every one of 30 check-ins (django-ratelimit's
counter raised). Here a private redis-server is really stopped, and really paused (SIGSTOP,
it accepts connections and never answers): the check-in is saved, sign-in works (allauth's
rate-limit counters are in the cache too), the staff pages answer, the log has a short
warning, and /health/ says the cache is down, within a second.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from rtr.settings.base import fail_open_cache
from tests.checkins.factories import checkin_post
from tests.conftest import service_unavailable
from tests.factories import PASSWORD, sign_in
from tests.redis_server import RedisServer, redis_server_missing


@pytest.fixture
def patient(clinic, physio, athlete):
    from tests.checkins.test_worker_integration import athlete_with_plan

    _athlete, record = athlete_with_plan(clinic, physio)
    record.user = athlete
    record.save()
    return record


STAFF_PAGES = ["staff_home", "patients:list", "checkins:flag_queue", "checkins:notifications"]


@pytest.fixture
def cache_redis(tmp_path, settings):
    reason = redis_server_missing()
    if reason:
        service_unavailable(reason)
    server = RedisServer(tmp_path / "redis")
    server.start()
    import environ

    settings.CACHES = {"default": fail_open_cache(environ.Env.cache_url_config(server.url(1)))}
    settings.RATELIMIT_ENABLE = True  # the limits (and so the cache) are really used
    try:
        yield server
    finally:
        server.stop()


def _outage_run(patient, athlete, physio, client_factory=Client) -> dict[str, float]:
    """Check-in, sign-in and staff pages; returns the slowest time of each."""
    timings: dict[str, float] = {}

    started = time.monotonic()
    athlete_client = client_factory()
    response = sign_in(athlete_client, athlete.email, PASSWORD)
    assert response.status_code == 302, response
    assert response["Location"] != reverse("account_login")
    timings["athlete sign-in"] = time.monotonic() - started

    started = time.monotonic()
    response = athlete_client.post(
        reverse("checkins:submit"),
        checkin_post(date=services.local_today(patient).isoformat(), fatigue="4"),
    )
    timings["check-in"] = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    assert CheckIn.objects.get(patient=patient, date=services.local_today(patient)).fatigue == 4

    started = time.monotonic()
    staff_client = client_factory()
    response = sign_in(staff_client, physio.email, PASSWORD)
    assert response.status_code == 302, response
    timings["physio sign-in"] = time.monotonic() - started
    for name in STAFF_PAGES:
        started = time.monotonic()
        response = staff_client.get(reverse(name))
        timings[name] = time.monotonic() - started
        assert response.status_code == 200, (name, response.status_code)
    return timings


def _health(client) -> tuple[dict[str, str], float]:
    started = time.monotonic()
    response = client.get(reverse("health"))
    return response.json()["checks"], time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_with_redis_up_the_cache_is_really_used(cache_redis, patient, athlete, physio):
    cache.set("probe", "1")
    assert cache.get("probe") == "1"
    _outage_run(patient, athlete, physio)
    checks, _seconds = _health(Client())
    assert checks["cache"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_check_in_sign_in_and_staff_pages_work(
    cache_redis, patient, athlete, physio, caplog
):
    cache_redis.stop()
    with caplog.at_level(logging.WARNING, logger="rtr.cache"):
        timings = _outage_run(patient, athlete, physio)
    assert max(timings.values()) < 2.0, timings
    assert any("cache unavailable" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "rtr.cache")
    checks, seconds = _health(Client())
    assert checks["cache"] != "ok"
    assert seconds < 1.0


@pytest.mark.django_db(transaction=True)
def test_with_redis_paused_check_in_sign_in_and_staff_pages_work(
    cache_redis, patient, athlete, physio, caplog
):
    cache_redis.pause()
    try:
        with caplog.at_level(logging.WARNING, logger="rtr.cache"):
            timings = _outage_run(patient, athlete, physio)
        # Each cache call waits for its 0.5 s socket timeout, no more.
        assert max(timings.values()) < 2.0, timings
        assert any("cache unavailable" in r.getMessage() for r in caplog.records)
        checks, seconds = _health(Client())
        assert checks["cache"] in {"timeout", "unavailable"}
        assert seconds < 1.0, seconds
    finally:
        cache_redis.resume()
    # Back: the cache is used again, and says so.
    deadline = time.monotonic() + 10
    while _health(Client())[0]["cache"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _health(Client())[0]["cache"] == "ok"
