"""The database connection dropped in the middle of a request, on real PostgreSQL.

The connection is terminated by the server (``pg_terminate_backend`` from a second connection)
just before a chosen statement of the request runs, after earlier writes of the same
transaction. The request must answer a clean 503 page, and nothing of it may be saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, Notification
from protocols.models import SessionLog, StageDecision
from tests.checkins.factories import checkin_post
from tests.protocols.factories import all_met

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def connection_dropped_before(table: str) -> Iterator[list[str]]:
    """Terminate this connection from the server side just before the first write to ``table``.

    Yields the statements that ran before the drop (empty if the write was never reached).
    """
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if not dropped and sql.startswith(("INSERT", "UPDATE")) and f'"{table}"' in sql:
            dropped.append(sql)
            earlier.extend(seen)
            pid = connection.connection.info.backend_pid
            with psycopg.connect(**connection.get_connection_params()) as killer:
                killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        seen.append(sql)
        return execute(sql, params, many, context)

    dropped: list[str] = []
    earlier: list[str] = []
    with connection.execute_wrapper(wrapper):
        yield earlier


def test_a_check_in_whose_connection_drops_is_a_clean_503_and_nothing_is_saved(
    athlete, patient, plan
):
    client = Client(raise_request_exception=False)
    client.force_login(athlete)
    day = services.local_today(patient).isoformat()

    with connection_dropped_before("protocols_sessionlog") as earlier:
        response = client.post(reverse("checkins:submit"), checkin_post(date=day))

    assert earlier, "the request never reached the session-log write"
    assert any(sql.startswith('INSERT INTO "checkins_checkin"') for sql in earlier)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"nothing from it was saved" in response.content
    connection.close()  # the test client keeps the broken connection; a new request would not
    # The check-in row was written before the drop, in the same transaction: rolled back.
    assert not CheckIn.objects.filter(patient=patient).exists()
    assert not SessionLog.objects.filter(plan=plan).exists()

    # The next try, on a new connection, saves the check-in once.
    response = client.post(reverse("checkins:submit"), checkin_post(date=day))
    assert response.status_code == 302
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert SessionLog.objects.filter(plan=plan).count() == 1


def test_any_other_server_error_is_still_the_plain_500_page(athlete, patient, plan, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("not a database problem")

    monkeypatch.setattr(services, "_submit", broken)
    client = Client(raise_request_exception=False)
    client.force_login(athlete)
    response = client.post(
        reverse("checkins:submit"), checkin_post(date=services.local_today(patient).isoformat())
    )
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert not CheckIn.objects.filter(patient=patient).exists()


def test_a_flag_resolution_whose_connection_drops_changes_neither_flag_nor_plan(
    lead, physio, patient, plan
):
    from protocols.services.decisions import plan_decide
    from tests.checkins.test_review import make_flag

    plan_decide(
        plan=plan, kind="advance", by=physio, criteria_met=all_met(plan, "advance"), rationale="ok"
    )
    flag = make_flag(patient)
    plan.refresh_from_db()
    stage_before = plan.current_stage_id
    decisions_before = StageDecision.objects.filter(plan=plan).count()
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    with connection_dropped_before("checkins_flag") as earlier:
        response = client.post(
            reverse("checkins:flag_resolve", args=[flag.public_id]),
            {"action": "regress", "note": "Night pain: back a stage"},
        )

    assert earlier, "the request never reached the flag write"
    assert any(sql.startswith('INSERT INTO "protocols_stagedecision"') for sql in earlier)
    assert response.status_code == 503
    connection.close()
    flag.refresh_from_db()
    plan.refresh_from_db()
    assert flag.status == "open" and flag.resolved_by is None
    assert plan.current_stage_id == stage_before
    assert StageDecision.objects.filter(plan=plan).count() == decisions_before
    assert not Notification.objects.filter(flag=flag).exists()
