"""`manage.py bench_data`: a tiny generated caseload, realistic, and generated only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count

from bench.generate.caseload import CLINIC_PREFIX, DOMAIN, LONG_HISTORY_EMAIL
from bench.management.commands.bench_data import Command as BenchData
from checkins.models import CheckIn, Flag, Notification
from checkins.services import local_today
from checkins.warning_signs import evaluation
from patients.models import Patient
from protocols.models import Plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def snapshot() -> dict[str, int]:
    bench = {"clinic__name__startswith": CLINIC_PREFIX}
    return {
        "patients": Patient.objects.filter(**bench).count(),
        "checkins": CheckIn.objects.filter(patient__clinic__name__startswith=CLINIC_PREFIX).count(),
        "plans": Plan.objects.filter(patient__clinic__name__startswith=CLINIC_PREFIX).count(),
        "flags": Flag.objects.filter(**bench).count(),
        "notifications": Notification.objects.filter(recipient__email__endswith=DOMAIN).count(),
        "max_id": CheckIn.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


def test_generates_a_realistic_caseload_once():
    call_command(BenchData(), patients=20, days=10, verbosity=0)
    first = snapshot()
    call_command(BenchData(), patients=20, days=10, verbosity=0)
    assert snapshot() == first  # same arguments, same day: nothing written again

    patients = Patient.objects.filter(clinic__name__startswith=CLINIC_PREFIX)
    assert first["patients"] == 20
    assert patients.values("clinic").distinct().count() == 2
    # Every patient is an athlete with an account, an injury and one active plan whose content
    # is the plan's own copy of a library template.
    assert not patients.filter(user__isnull=True).exists()
    assert not patients.annotate(n=Count("injuries")).exclude(n=1).exists()
    plans = Plan.objects.filter(patient__in=patients).select_related("content", "current_stage")
    assert sorted(p.patient_id for p in plans) == sorted(patients.values_list("pk", flat=True))
    assert {p.status for p in plans} == {"active"}
    assert all(
        p.content.is_plan_copy and p.content.based_on_id == p.source_template_id for p in plans
    )
    assert len({p.content_id for p in plans}) == len(plans)
    assert all(p.current_stage.template_id == p.content_id for p in plans)

    # Ten days of check-ins (most days), a 180-day history for one athlete, all evaluated.
    checkins = CheckIn.objects.filter(patient__in=patients)
    others = checkins.exclude(patient__user__email=LONG_HISTORY_EMAIL)
    assert 19 * 10 * 0.7 < others.count() <= 19 * 10
    assert others.order_by("date")[0].date == local_today(patients[0]) - timedelta(days=10)
    assert checkins.order_by("-date")[0].date < local_today(patients[0])
    long_history = checkins.filter(patient__user__email=LONG_HISTORY_EMAIL)
    assert long_history.count() > 150
    assert not checkins.filter(evaluated_at__isnull=True).exists()
    assert evaluation.evaluate_pending() == 0

    # Flags: some open (the long-history athlete's among them), with their notifications.
    open_flags = Flag.objects.filter(patient__in=patients, status__in=["open", "acknowledged"])
    assert open_flags.filter(patient__user__email=LONG_HISTORY_EMAIL).exists()
    assert (
        Notification.objects.filter(
            flag__in=open_flags, channel="email", sent_at__isnull=True
        ).count()
        == 0
    )
    assert Notification.objects.filter(flag__in=open_flags, channel="in_app").exists()

    # The app's own evaluation agrees with the generated flags: it raises nothing more.
    raised = sum(len(evaluation.evaluate_patient(p.pk).raised) for p in patients)
    assert raised == 0


def test_the_alert_burden_counts_flags_against_the_injected_patterns():
    from bench.generate.caseload import read_alert_burden
    from bench.report import alert_burden

    call_command(BenchData(), patients=60, days=40, verbosity=0, force=True)
    today = local_today(Patient.objects.filter(clinic__name__startswith=CLINIC_PREFIX)[0])
    counts = read_alert_burden(patients=60, days=40, today=today)
    assert counts is not None
    assert read_alert_burden(patients=61, days=40, today=today) is None  # another caseload
    burden = alert_burden(counts, patients=60, days=40)
    assert burden is not None
    total = burden["total"]
    # The long-history athlete's swelling is always injected, so there is at least one pattern.
    assert total["patterns"] >= 1 and total["flags"] >= total["patterns"] - 1
    assert total["recall_pct"] == 100.0
    assert total["false_alarms"] == 0  # plan-followers without symptoms raise nothing
    flags = sum(r["flags"] for r in burden["rules"])
    assert flags == total["flags"]
    assert total["per_100_per_week"] == round(flags / (60 / 100 * 40 / 7), 2)


def test_another_size_replaces_the_bench_data():
    call_command(BenchData(), patients=20, days=10, verbosity=0)
    call_command(BenchData(), patients=10, days=7, clinics=1, verbosity=0)
    patients = Patient.objects.filter(clinic__name__startswith=CLINIC_PREFIX)
    assert patients.count() == 10
    assert patients.values("clinic").distinct().count() == 1
    assert (
        not Flag.objects.exclude(patient__in=patients)
        .filter(clinic__name__startswith=CLINIC_PREFIX)
        .exists()
    )
