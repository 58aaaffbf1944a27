"""Rate limits: sign-in-by-link per address, check-in submission per athlete (sign-in itself is
limited by allauth and locked out by django-axes, see tests/accounts)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.checkins.factories import checkin_post


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_sign_in_link_requests_are_limited_per_address(client):
    statuses = [
        client.get(reverse("checkins:link_sign_in", args=[f"guess-number-{i}"])).status_code
        for i in range(25)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[-1] == 429
    assert (
        "Too many attempts"
        in client.get(reverse("checkins:link_sign_in", args=["one-more"])).content.decode()
    )


def test_check_in_submission_is_limited_per_athlete(client, clinic, physio, athlete):
    from tests.patients.factories import make_patient

    patient = make_patient(clinic=clinic, physio=physio)
    patient.user = athlete
    patient.save()
    client.force_login(athlete)
    statuses = [
        client.post(reverse("checkins:submit"), checkin_post(date="2000-01-01")).status_code
        for _ in range(22)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[-1] == 429
