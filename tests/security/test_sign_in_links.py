"""Sign-in links sign in once (issue 24.5): a second use is a clear page that offers a new link,
e-mailed to the athlete's own address."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import SignInLink
from tests.patients.factories import make_patient


@pytest.fixture
def patient(clinic, physio, athlete):
    patient = make_patient(clinic=clinic, physio=physio)
    patient.user = athlete
    patient.save()
    return patient


def link_path(url: str) -> str:
    return "/login/link/" + url.rsplit("/link/", 1)[1]


def test_a_sign_in_link_works_once(athlete, patient):
    path = link_path(services.signin_link_create(user=athlete))
    first = Client()
    response = first.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("athlete_home")
    assert first.session["_auth_user_id"] == str(athlete.pk)

    second = Client()
    again = second.get(path)
    html = again.content.decode()
    assert again.status_code == 410
    assert "already been used" in html and "E-mail me a new link" in html
    assert "_auth_user_id" not in second.session
    # The athlete who is already signed in (the same browser opening it again) just goes home.
    assert first.get(path)["Location"] == reverse("athlete_home")


def test_the_used_link_page_emails_a_new_link_to_the_athletes_own_address(
    athlete, patient, django_capture_on_commit_callbacks
):
    path = link_path(services.signin_link_create(user=athlete))
    Client().get(path)
    stranger = Client(enforce_csrf_checks=True)
    page = stranger.get(path)
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    with django_capture_on_commit_callbacks(execute=True):
        sent = stranger.post(path, {"csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and "Check your e-mail" in sent.content.decode()
    assert "_auth_user_id" not in stranger.session  # asking for a link signs nobody in
    assert mail.outbox[-1].to == [athlete.email]
    fresh = "/login/link/" + mail.outbox[-1].body.split("/login/link/")[1].split()[0]
    assert Client().get(fresh).status_code == 302
    assert SignInLink.objects.filter(user=athlete).count() == 2


def test_a_cancelled_or_forged_link_offers_no_new_one(client, athlete, patient):
    path = link_path(services.signin_link_create(user=athlete))
    services.signin_links_revoke(user=athlete)
    for url in (path, "/login/link/forged-token/"):
        html = client.get(url).content.decode()
        assert "E-mail me a new link" not in html, url
        assert client.post(url).status_code in (400, 403), url
    assert not mail.outbox


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_link_sign_in_once(athlete, patient):
    path = link_path(services.signin_link_create(user=athlete))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def open_link() -> None:
        try:
            barrier.wait()
            statuses.append(Client().get(path).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_link) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 410, 410, 410]
