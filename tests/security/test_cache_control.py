"""No cache keeps a signed-in response: every page of the access matrix, for every signed-in
role, answers with `Cache-Control: no-store, private` (issue 24.7)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.cache import get_max_age

from tests.security.test_access_matrix import POLICY, ROLES, named_urls

# The same for everyone, with no patient data: the health check, the app's manifest and its
# service worker script (which the browser must be able to revalidate and cache as it likes).
NO_PATIENT_DATA = {"health", "pwa:manifest", "pwa:service_worker"}


def _directives(response) -> set[str]:
    return {d.strip().lower() for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_signed_in_response_is_no_store_and_private(client, world, role):
    users, objects = world
    client.force_login(users[role])
    missing = []
    checked = 0
    for name, params in named_urls():
        _policy, method = POLICY[name]
        if name in NO_PATIENT_DATA:
            continue  # no patient data, and the same for everyone
        for target in ("own", "other"):
            if not params and target == "other":
                continue
            url = reverse(name, kwargs={p: objects[target][p] for p in params})
            with transaction.atomic():
                response = client.post(url, {}) if method == "post" else client.get(url)
                transaction.set_rollback(True)
            checked += 1
            if not {"no-store", "private"} <= _directives(response) or get_max_age(response):
                missing.append(
                    f"{name} [{target}] {response.status_code}: {response.get('Cache-Control')!r}"
                )
    assert checked > 60
    assert not missing, "\n".join(missing)
