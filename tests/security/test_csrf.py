"""Every state-changing view refuses a request without a valid CSRF token (generated from the
access matrix's POST views, plus sign-in and sign-out)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.test_access_matrix import ATHLETE, POLICY, named_urls

POST_VIEWS = [(name, params) for name, params in named_urls() if POLICY[name][1] == "post"]


def test_there_are_state_changing_views_to_check():
    assert len(POST_VIEWS) > 20


@pytest.mark.parametrize(("name", "params"), POST_VIEWS)
def test_post_without_csrf_token_is_refused(world, name, params):
    users, objects = world
    policy = POLICY[name][0]
    role = (
        "athlete" if policy == ATHLETE else "lead"
    )  # someone the view would otherwise let through
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    url = reverse(name, kwargs={p: objects["own"][p] for p in params})
    response = client.post(url, {"note": "x", "action": "no_action", "text": "x", "reason": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_logout", "account_reset_password"])
def test_account_forms_need_the_token(name):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(
            reverse(name), {"login": "a@b.c", "password": "x", "email": "a@b.c"}
        ).status_code
        == 403
    )
