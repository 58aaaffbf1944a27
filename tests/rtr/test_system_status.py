from __future__ import annotations

import pytest
from django.urls import reverse

from rtr.models import TaskProbe
from rtr.services import task_probe_complete


def test_physio_sends_a_test_task_and_it_is_recorded_pending(
    client, physio, django_capture_on_commit_callbacks
):
    client.force_login(physio)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("system_status_probe"))
    assert response.status_code == 302
    assert len(callbacks) == 1  # published only after the row is committed
    probe = TaskProbe.objects.get()
    assert probe.requested_by == physio
    assert probe.completed_at is None


def test_completing_a_probe_twice_changes_nothing_the_second_time(physio):
    probe = TaskProbe.objects.create(requested_by=physio)
    assert task_probe_complete(probe_id=probe.pk, worker="w1") is True
    probe.refresh_from_db()
    first = probe.completed_at
    assert task_probe_complete(probe_id=probe.pk, worker="w2") is False
    probe.refresh_from_db()
    assert probe.completed_at == first
    assert probe.worker == "w1"


def test_status_page_lists_checks_and_own_probes(client, physio, lead):
    TaskProbe.objects.create(requested_by=lead)
    mine = TaskProbe.objects.create(requested_by=physio)
    task_probe_complete(probe_id=mine.pk, worker="w1")
    client.force_login(physio)
    response = client.get(reverse("system_status"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "done by the worker" in html
    assert html.count('class="probe"') == 1


def test_status_panel_refreshes_as_an_htmx_partial(client, physio):
    client.force_login(physio)
    response = client.get(reverse("system_status"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="status-panel"' in html
    assert "<html" not in html


def test_probe_needs_post(client, physio):
    client.force_login(physio)
    assert client.get(reverse("system_status_probe")).status_code == 405


@pytest.mark.parametrize("persona", ["coach", "athlete"])
def test_probe_refused_to_coach_and_athlete(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("system_status_probe")).status_code == 403
    assert not TaskProbe.objects.exists()


def test_probe_without_csrf_token_is_refused(physio):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(physio)
    assert strict.post(reverse("system_status_probe")).status_code == 403
    assert not TaskProbe.objects.exists()
