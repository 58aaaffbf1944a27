"""Findings become flags exactly once; notifications are written once per flag, person, channel."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from checkins import services
from checkins.models import CheckIn, Flag, Notification
from checkins.warning_signs import evaluation, notifications
from tests.checkins.factories import checkin_data


def submit(patient, athlete, day=None, **overrides):
    return services.checkin_submit(
        patient=patient,
        by=athlete,
        day=day or services.local_today(patient),
        data=checkin_data(**overrides),
    )[0]


def test_new_focal_tenderness_raises_one_high_flag_and_notifies_physio_and_lead(
    patient, plan, athlete, physio, lead
):
    checkin = submit(patient, athlete, focal_tenderness="new")
    assert checkin.evaluated_at is None  # the outbox
    outcome = evaluation.evaluate_pending()
    assert outcome == 1
    flag = Flag.objects.get()
    assert (flag.rule_code, flag.severity, flag.status) == ("new_focal_tenderness", "high", "open")
    assert flag.evidence[0]["date"] == checkin.date.isoformat()
    recipients = set(
        Notification.objects.filter(flag=flag).values_list("recipient__email", "channel")
    )
    assert recipients == {
        (physio.email, "email"),
        (physio.email, "in_app"),
        (lead.email, "email"),
        (lead.email, "in_app"),
    }
    checkin.refresh_from_db()
    assert checkin.evaluated_at is not None


def test_evaluating_twice_raises_and_notifies_nothing_more(patient, plan, athlete, lead):
    submit(patient, athlete, focal_tenderness="new")
    evaluation.evaluate_patient(patient.pk)
    evaluation.evaluate_patient(patient.pk)
    assert evaluation.evaluate_pending() == 0
    assert Flag.objects.count() == 1
    assert (
        Notification.objects.count()
        == Notification.objects.values("recipient", "channel", "flag", "reason").distinct().count()
    )
    assert Notification.objects.filter(channel="email").count() == 2


def test_low_flags_go_to_the_care_team_only(patient, plan, athlete, physio, lead):
    submit(patient, athlete, pain_during=3)
    evaluation.evaluate_patient(patient.pk)
    flag = Flag.objects.get(rule_code="run_pain")
    assert flag.severity == "low"
    assert set(
        Notification.objects.filter(flag=flag).values_list("recipient__email", flat=True)
    ) == {physio.email}


def test_an_edit_that_worsens_escalates_and_notifies_again(patient, plan, athlete, lead):
    submit(patient, athlete, pain_during=3)
    evaluation.evaluate_pending()
    checkin = submit(patient, athlete, pain_during=6)
    assert checkin.evaluated_at is None  # an edit is evaluated again
    evaluation.evaluate_pending()
    flag = Flag.objects.get(rule_code="run_pain")
    assert flag.severity == "high" and flag.escalated_at is not None
    assert flag.evidence == [{"date": checkin.date.isoformat(), "pain_during": 6, "pain_after": 0}]
    assert (
        Notification.objects.filter(flag=flag, reason="escalated:high", recipient=lead).count() == 2
    )


def test_new_evidence_is_appended_to_the_open_flag(patient, plan, athlete):
    today = services.local_today(patient)
    submit(patient, athlete, day=today - timedelta(days=1), pain_during=3)
    evaluation.evaluate_pending()
    submit(patient, athlete, day=today, pain_during=4)
    evaluation.evaluate_pending()
    flag = Flag.objects.get(rule_code="run_pain")
    assert [e["date"] for e in flag.evidence] == [
        (today - timedelta(days=1)).isoformat(),
        today.isoformat(),
    ]
    assert flag.last_evidence_date == today


def test_a_resolved_flag_then_a_new_occurrence_opens_a_new_flag(patient, plan, athlete, physio):
    today = services.local_today(patient)
    submit(patient, athlete, day=today - timedelta(days=1), pain_during=3)
    evaluation.evaluate_pending()
    Flag.objects.update(status="resolved", resolved_by=physio, resolved_at=timezone.now())
    evaluation.evaluate_patient(patient.pk)  # the old occurrence is not raised again
    assert Flag.objects.count() == 1
    submit(patient, athlete, day=today, pain_during=3)
    evaluation.evaluate_pending()
    assert Flag.objects.filter(rule_code="run_pain").count() == 2
    assert Flag.objects.filter(rule_code="run_pain", status="open").get().first_seen_date == today


def test_a_disabled_rule_raises_nothing(patient, plan, athlete, clinic, lead):
    from checkins.warning_signs import rule_settings as settings_service

    settings_service.save(
        clinic=clinic, by=lead, proposed={"run_pain": (False, {"limit": 2, "high_at": 5})}
    )
    submit(patient, athlete, pain_during=6)
    evaluation.evaluate_pending()
    assert not Flag.objects.filter(rule_code="run_pain").exists()


def test_a_clinic_threshold_changes_what_fires(patient, plan, athlete, clinic, lead):
    from checkins.warning_signs import rule_settings as settings_service

    settings_service.save(
        clinic=clinic, by=lead, proposed={"run_pain": (True, {"limit": 3, "high_at": 5})}
    )
    submit(patient, athlete, pain_during=3)
    evaluation.evaluate_pending()
    assert not Flag.objects.filter(rule_code="run_pain").exists()
    flag_thresholds = None
    submit(patient, athlete, pain_during=4)
    evaluation.evaluate_pending()
    flag_thresholds = Flag.objects.get(rule_code="run_pain").thresholds
    assert flag_thresholds == {"limit": 3.0, "high_at": 5.0}


def test_other_clinics_are_untouched(patient, plan, athlete, other_clinic, outsider):
    from tests.patients.factories import make_patient

    theirs = make_patient(clinic=other_clinic, physio=outsider)
    submit(patient, athlete, night_pain=True)
    evaluation.evaluate_pending()
    assert Flag.objects.get().clinic_id == patient.clinic_id
    assert not Flag.objects.filter(patient=theirs).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_the_sweep_raises_missed_check_ins_for_active_plans(patient, plan, athlete):
    today = services.local_today(patient)
    CheckIn.objects.create(
        patient=patient,
        date=today - timedelta(days=5),
        evaluated_at=timezone.now() - timedelta(days=5),  # evaluated the day it came in
        **checkin_data(),
    )
    # The plan started 2 days ago: 2 whole days without a check-in (today is not over yet).
    assert evaluation.sweep()["patients"] == 0
    tomorrow = today + timedelta(days=1)  # 3 whole days
    result = evaluation.sweep(as_of=tomorrow)
    assert result["pending"] == 0 and result["patients"] == 1
    flag = Flag.objects.get(rule_code="missed_checkins")
    assert flag.severity == "info"
    # Nothing new until the gap reaches the `low` threshold: the patient is not evaluated again.
    assert evaluation.sweep(as_of=tomorrow)["patients"] == 0
    later = today + timedelta(days=5)  # 7 whole days since the plan started, no check-in
    assert evaluation.sweep(as_of=later - timedelta(days=1))["patients"] == 0
    assert evaluation.sweep(as_of=later)["patients"] == 1
    flag.refresh_from_db()
    assert flag.severity == "low" and Flag.objects.filter(rule_code="missed_checkins").count() == 1
    assert evaluation.sweep(as_of=later)["patients"] == 0


def test_the_sweep_leaves_patients_who_check_in(patient, plan, athlete):
    today = services.local_today(patient)
    for back in range(3):
        CheckIn.objects.create(
            patient=patient,
            date=today - timedelta(days=back),
            evaluated_at=timezone.now(),
            **checkin_data(),
        )
    assert evaluation.sweep()["patients"] == 0
    assert not Flag.objects.exists()


# --- delivery ------------------------------------------------------------------------------------


def test_an_email_is_sent_once_and_says_nothing_clinical(patient, plan, athlete, physio):
    submit(patient, athlete, night_pain=True, notes="Throbbing at 3am")
    evaluation.evaluate_pending()
    email = Notification.objects.filter(channel="email", recipient=physio).get()
    assert notifications.deliver(email.pk) is True
    assert notifications.deliver(email.pk) is False
    sent = [m for m in mail.outbox if m.to == [physio.email]]
    assert len(sent) == 1
    body = sent[0].subject + sent[0].body
    assert "A flag needs your review" in body
    for secret in ["Throbbing", patient.first_name, patient.last_name, "night", "pain"]:
        assert secret.lower() not in body.lower()


def test_a_failed_send_is_released_for_retry(patient, plan, athlete, physio, monkeypatch):
    submit(patient, athlete, night_pain=True)
    evaluation.evaluate_pending()
    email = Notification.objects.filter(channel="email", recipient=physio).get()

    def broken(**kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with pytest.raises(ConnectionError):
        notifications.deliver(email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.sending_started_at is None and email.attempts == 1
    monkeypatch.undo()
    assert notifications.deliver(email.pk) is True


# --- reminders and digests, with the clock controlled ----------------------------------------------


def at(clinic, hour, minute=0, days=0):
    local = datetime.combine(
        timezone.localdate() + timedelta(days=days),
        time(hour, minute),
        tzinfo=ZoneInfo(clinic.time_zone),
    )
    return local.astimezone(ZoneInfo("UTC"))


def test_reminders_at_the_clinic_local_time_only_without_a_check_in_once_a_day(
    patient, plan, athlete, clinic, django_capture_on_commit_callbacks
):
    clinic.time_zone = "America/New_York"
    clinic.reminder_time = time(18, 0)
    clinic.save()
    with time_machine.travel(at(clinic, 17, 59), tick=False):
        assert notifications.send_reminders() == 0
    with time_machine.travel(at(clinic, 18, 5), tick=False):
        assert notifications.send_reminders() == 1
        assert notifications.send_reminders() == 0  # once a day
        reminder = Notification.objects.get(kind="reminder", channel="email")
        assert notifications.deliver(reminder.pk)
    assert "/login/link/" in mail.outbox[-1].body
    assert (
        Notification.objects.filter(kind="reminder", channel="in_app", recipient=athlete).count()
        == 1
    )
    with time_machine.travel(at(clinic, 18, 5, days=1), tick=False):
        day = timezone.now().astimezone(ZoneInfo(clinic.time_zone)).date()
        CheckIn.objects.create(patient=patient, date=day, **checkin_data())
        assert notifications.send_reminders() == 0  # already checked in today
    with time_machine.travel(at(clinic, 18, 5, days=2), tick=False):
        assert notifications.send_reminders() == 1


def test_no_reminder_without_an_active_plan_or_account(patient, athlete, clinic):
    clinic.reminder_time = time(0, 0)
    clinic.save()
    assert notifications.send_reminders() == 0  # no plan


def test_digest_once_a_day_to_leads(patient, plan, athlete, lead, physio, clinic):
    submit(patient, athlete, night_pain=True)
    evaluation.evaluate_pending()
    with time_machine.travel(at(clinic, 6, 59), tick=False):
        assert notifications.send_digests() == 0
    with time_machine.travel(at(clinic, 7, 1), tick=False):
        assert notifications.send_digests() == 1
        assert notifications.send_digests() == 0
    digest = Notification.objects.get(kind="digest")
    assert digest.recipient == lead
    assert "1 open flags: 1 urgent" in digest.title


def test_dry_run_counts_flags_per_rule(patient, plan, athlete, clinic):
    today = services.local_today(patient)
    for back in (40, 20, 1):
        CheckIn.objects.create(
            patient=patient, date=today - timedelta(days=back), **checkin_data(pain_during=3)
        )
    current = evaluation.rule_settings_for(clinic.pk)
    result = evaluation.dry_run(clinic.pk, current, as_of=today)
    assert result["run_pain"] == {"current": 3, "proposed": 3}
    stricter = {**current, "run_pain": (True, {"limit": 3, "high_at": 5})}
    assert evaluation.dry_run(clinic.pk, stricter, as_of=today)["run_pain"] == {
        "current": 3,
        "proposed": 0,
    }
    assert Flag.objects.count() == 0  # a dry run raises nothing


def test_the_relay_keeps_looking_until_its_time_is_up(patient, plan, athlete, monkeypatch):
    """Beat starts the relay every second; within that second it polls the outbox again, so a
    check-in saved mid-second is evaluated at the next poll rather than at the next tick."""
    submit(patient, athlete, night_pain=True)
    passes = []
    real = evaluation.evaluate_pending

    def counting(**kwargs):
        passes.append(1)
        return real(**kwargs)

    monkeypatch.setattr(evaluation, "evaluate_pending", counting)
    assert evaluation.relay(seconds=0.2, poll=0.05) == 1
    assert len(passes) >= 3
    assert Flag.objects.filter(rule_code="night_pain").count() == 1
    assert evaluation.relay(seconds=0) == 0  # one pass, nothing left


# --- late evaluation (issue 14) ---------------------------------------------------------------


def _outage_history(patient, plan, today, days=9):
    """Check-ins saved every day while no worker ran: all still waiting in the outbox."""
    from protocols.models import Plan

    Plan.objects.filter(pk=plan.pk).update(
        start_date=today - timedelta(days=days + 2),
        stage_started_on=today - timedelta(days=days + 2),
    )
    for back in range(days, 0, -1):
        values = checkin_data()
        if back == days:
            values.update(pain_during=3)  # the oldest: run pain (low)
        if back == days - 1:
            values.update(focal_tenderness="new")  # the next day: new tenderness (high)
        CheckIn.objects.create(patient=patient, date=today - timedelta(days=back), **values)


def test_a_week_long_outage_then_catch_up_raises_each_days_flag(patient, plan, athlete, physio):
    today = services.local_today(patient)
    _outage_history(patient, plan, today)
    assert evaluation.evaluate_pending() == 1
    flags = {f.rule_code: f for f in Flag.objects.all()}
    assert set(flags) == {"run_pain", "new_focal_tenderness"}
    assert flags["run_pain"].first_seen_date == today - timedelta(days=9)
    assert flags["new_focal_tenderness"].first_seen_date == today - timedelta(days=8)
    assert Notification.objects.filter(recipient=physio, channel="email").count() == 2
    assert not CheckIn.objects.filter(evaluated_at__isnull=True).exists()
    evaluation.evaluate_patient(patient.pk)
    assert Flag.objects.count() == 2


def test_an_outage_longer_than_the_rules_window_still_judges_each_day(patient, plan, athlete):
    today = services.local_today(patient)
    _outage_history(patient, plan, today, days=evaluation.HISTORY_DAYS + 5)
    evaluation.evaluate_pending()
    run_pain = Flag.objects.get(rule_code="run_pain")
    assert run_pain.first_seen_date == today - timedelta(days=evaluation.HISTORY_DAYS + 5)
    assert not Flag.objects.filter(rule_code="missed_checkins").exists()  # checked in daily


def test_days_already_evaluated_are_not_judged_again_by_a_changed_threshold(
    patient, plan, athlete, clinic, lead
):
    from checkins.warning_signs import rule_settings as settings_service

    submit(patient, athlete, pain_during=2)  # within the limit of 2
    evaluation.evaluate_pending()
    settings_service.save(
        clinic=clinic, by=lead, proposed={"run_pain": (True, {"limit": 1, "high_at": 5})}
    )
    evaluation.evaluate_patient(patient.pk)
    assert not Flag.objects.exists()  # the dry run is where a lead sees the past replayed
