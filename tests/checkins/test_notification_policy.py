"""Who is told, and how often, when a flag is raised or escalates (issue 14).

The policy a physio can live with: one e-mail per person when a flag is raised; when it
escalates, the in-app item is updated (unread again, new title) and a new e-mail goes out only
when the flag is now high or urgent, with its own subject ("Now high: ..."), and only to those
not yet told at that level. info -> low sends nothing by e-mail.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from checkins import services
from checkins.models import CheckIn, Flag, Notification
from checkins.warning_signs import evaluation, notifications
from tests.checkins.factories import checkin_data


def submit(patient, athlete, **overrides):
    return services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(**overrides),
    )[0]


def send_all() -> list[str]:
    """Deliver every unsent e-mail as the worker does; the subjects sent now."""
    mail.outbox.clear()
    for pk in Notification.objects.filter(channel="email", sent_at__isnull=True).values_list(
        "pk", flat=True
    ):
        notifications.deliver(pk)
    return [str(m.subject) for m in mail.outbox]


def rows(flag, user, channel):
    return list(Notification.objects.filter(flag=flag, recipient=user, channel=channel))


def test_a_raised_flag_is_one_email_and_one_in_app_item_per_recipient(
    patient, plan, athlete, physio, lead
):
    submit(patient, athlete, focal_tenderness="new")  # high: the physio and the lead
    evaluation.evaluate_pending()
    flag = Flag.objects.get()
    for user in (physio, lead):
        assert len(rows(flag, user, "email")) == 1
        assert len(rows(flag, user, "in_app")) == 1
    assert sorted(send_all()) == ["A flag needs your review"] * 2
    assert {m.to[0] for m in mail.outbox} == {physio.email, lead.email}
    evaluation.evaluate_patient(patient.pk)  # again: nothing more
    assert send_all() == []
    assert Notification.objects.filter(flag=flag).count() == 4


def test_low_then_high_sends_one_more_email_with_the_escalation_subject(
    patient, plan, athlete, physio, lead
):
    submit(patient, athlete, pain_during=3)  # run pain, low: the physio
    evaluation.evaluate_pending()
    flag = Flag.objects.get(rule_code="run_pain")
    assert send_all() == ["A flag needs your review"]
    Notification.objects.filter(channel="in_app").update(read_at=timezone.now())

    submit(patient, athlete, pain_during=6)  # the edit: now high
    evaluation.evaluate_pending()
    flag.refresh_from_db()
    assert flag.severity == "high"
    subjects = send_all()
    # One more e-mail each: the physio (told at low) and the lead (not told before), both with
    # the escalation subject.
    assert subjects == ["Now high: a flag needs your review"] * 2
    assert {m.to[0] for m in mail.outbox} == {physio.email, lead.email}
    assert "now high" in mail.outbox[0].body
    assert "pain" not in (mail.outbox[0].subject + mail.outbox[0].body).lower()  # no clinical text
    # The physio's in-app item is the same one, updated and unread again; the lead has one.
    [item] = rows(flag, physio, "in_app")
    assert item.read_at is None and item.title.startswith("High flag")
    assert len(rows(flag, lead, "in_app")) == 1
    assert len(rows(flag, physio, "email")) == 2

    evaluation.evaluate_patient(patient.pk)  # run twice: nothing more
    assert send_all() == []


def test_info_then_low_sends_no_email_and_updates_the_in_app_item(patient, plan, athlete, physio):
    today = services.local_today(patient)
    CheckIn.objects.create(
        patient=patient,
        date=today - timedelta(days=3),
        evaluated_at=timezone.now(),
        **checkin_data(),
    )
    evaluation.sweep(as_of=today + timedelta(days=1))  # 3 whole days since the start: info
    flag = Flag.objects.get(rule_code="missed_checkins")
    assert flag.severity == "info"
    assert send_all() == ["A flag needs your review"]
    Notification.objects.filter(channel="in_app").update(read_at=timezone.now())

    evaluation.sweep(as_of=today + timedelta(days=5))  # 7 whole days since the start: low
    flag.refresh_from_db()
    assert flag.severity == "low" and flag.escalated_at is not None
    assert send_all() == []  # no e-mail for a rise to low
    [item] = rows(flag, physio, "in_app")
    assert item.read_at is None and item.title.startswith("Low flag")
    assert len(rows(flag, physio, "email")) == 1


def test_each_emailing_level_has_its_subject_and_levels_are_ordered():
    from checkins.models import Severity

    # (No rule rises from high to urgent today; the subject names each level that e-mails.)
    n = Notification(kind="flag", reason="escalated:urgent")
    assert notifications._escalated_to(n) == "urgent"
    assert notifications._escalated_to(Notification(kind="flag", reason="raised:high")) == ""
    assert notifications.told_level("raised:high") > notifications.told_level("raised:low")
    assert notifications.told_level("raised") < notifications.told_level("raised:info")
    assert set(notifications.EMAIL_ON_ESCALATION) == {Severity.HIGH, Severity.URGENT}
