from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_sign_in_counters():
    """allauth counts failed sign-ins in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()
