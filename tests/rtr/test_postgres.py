"""Proof that CI really runs on PostgreSQL, and the constraints it must enforce there."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from rtr.accounts.models import Membership, Role


@pytest.mark.postgres
def test_the_suite_runs_on_postgresql_15_or_newer(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (version,) = cursor.fetchone()
    assert int(version) >= 150000


@pytest.mark.postgres
def test_postgres_enforces_the_partial_unique_athlete_constraint(athlete, other_clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=athlete, clinic=other_clinic, role=Role.ATHLETE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'membership_athlete_in_one_clinic'"
        )
        (definition,) = cursor.fetchone()
    assert "WHERE" in definition
    assert "athlete" in definition
