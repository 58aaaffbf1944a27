"""Run files read by a real Celery worker (Redis): a file that keeps the parser busy is stopped
by the child's time limit with a clear message, and the same worker goes on to read the next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from loads import services
from loads.models import RunImport
from tests.checkins.test_worker_integration import wait_for
from tests.loads.conftest import upload_of
from tests.loads.samples import Run, fit_file, gpx_file


@pytest.mark.redis
@override_settings(RTR_RUN_PARSE_SECONDS=1.0)
def test_the_worker_stops_a_hanging_parse_and_keeps_reading(transactional_db, patient, athlete):
    from celery.contrib.testing.worker import start_worker

    from rtr.celery import app

    app.control.purge()
    start = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        slow = services.upload(
            patient=patient,
            by=athlete,
            upload=upload_of(gpx_file(start, 36_000, 100_000.0, every=1), "long.gpx"),
        )
        assert wait_for(lambda: RunImport.objects.get(pk=slow.pk).status != "reading", 30)
        slow.refresh_from_db()
        assert slow.status == "refused"
        assert slow.message.startswith("Reading this file took too long and was stopped")

        good = services.upload(
            patient=patient,
            by=athlete,
            upload=upload_of(fit_file(Run(start=start + timedelta(days=1))), "good.fit"),
        )
        assert wait_for(lambda: RunImport.objects.get(pk=good.pk).status != "reading", 30)
        good.refresh_from_db()
        assert good.status == "done" and good.moving_s == 1800
