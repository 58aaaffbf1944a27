from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rtr.models import WorkerHeartbeat


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_reports_each_service(client):
    response = client.get(reverse("health"))
    body = response.json()
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_health_is_503_until_a_worker_has_been_seen(client):
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no heartbeat yet"


@pytest.mark.django_db
def test_health_calls_an_old_heartbeat_stale(client, settings):
    WorkerHeartbeat.objects.create(
        worker="w1",
        last_seen_at=timezone.now() - settings.RTR_WORKER_STALE_AFTER - timedelta(seconds=1),
    )
    assert client.get(reverse("health")).json()["checks"]["worker"] == "stale"


@pytest.mark.django_db
def test_health_is_ok_with_a_fresh_heartbeat_and_reachable_broker(client, tmp_path, settings):
    WorkerHeartbeat.objects.create(worker="w1", last_seen_at=timezone.now())
    response = client.get(reverse("health"))
    checks = response.json()["checks"]
    assert checks["worker"] == "ok"
    if checks["broker"] == "ok":
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_health_reveals_nothing_sensitive(client, settings):
    text = client.get(reverse("health")).content.decode()
    for secret in [settings.SECRET_KEY, settings.CELERY_BROKER_URL, "Traceback", "postgres://"]:
        assert secret not in text


@pytest.mark.django_db
def test_health_says_unavailable_when_a_check_raises(client, monkeypatch):
    from rtr import health

    def boom() -> str:
        raise RuntimeError("password=hunter2 host=db.internal")

    monkeypatch.setitem(health.CHECKS, "database", boom)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert "hunter2" not in response.content.decode()
