"""The load rules read an imported run as well as a typed one: the import fills the day's
check-in (the rules' own data) and puts it back in line for evaluation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from checkins import services as checkin_services
from checkins.models import CheckIn, Flag
from checkins.warning_signs import evaluation
from loads import services
from tests.checkins.factories import checkin_data
from tests.loads.conftest import upload_of
from tests.loads.samples import LapSpec, Run, fit_file
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db


def test_a_run_imported_on_a_walking_day_raises_the_load_flag(patient, physio, athlete):
    active_plan(
        patient=patient,
        template=library(),
        by=physio,
        start=checkin_services.local_today(patient) - timedelta(days=2),
    )
    today = checkin_services.local_today(patient)
    start = (timezone.now() - timedelta(minutes=40)).replace(microsecond=0)
    if start.astimezone(patient.clinic.zone).date() != today:
        pytest.skip("the run would fall on yesterday (test run just after midnight)")
    checkin, _created = checkin_services.checkin_submit(
        patient=patient,
        by=athlete,
        day=today,
        data=checkin_data(),  # typed: no running
    )
    evaluation.evaluate_patient(patient.pk)
    assert not Flag.objects.filter(rule_code="load_spike").exists()

    run = services.upload(
        patient=patient,
        by=physio,
        upload=upload_of(fit_file(Run(start=start, laps=[LapSpec(1800, 5000.0, 85)])), "r.fit"),
    )
    services.read(run.pk)
    checkin.refresh_from_db()
    assert checkin.run_minutes == 30 and checkin.evaluated_at is None
    evaluation.evaluate_patient(patient.pk)
    flag = Flag.objects.get(rule_code="load_spike")
    assert "Ran 30 min on a day with no running prescribed" in flag.summary
    assert CheckIn.objects.get(pk=checkin.pk).evaluated_at is not None
    evaluation.evaluate_patient(patient.pk)
    assert Flag.objects.filter(rule_code="load_spike").count() == 1
