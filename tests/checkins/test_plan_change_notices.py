"""A change to the plan is told to the athlete (issue 17): in the app, in their words with the
note the physio wrote for them, and by e-mail with no clinical detail; once per decision;
today's page says what changed and why."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from checkins.models import Notification
from checkins.warning_signs import notifications
from protocols import plan_changes
from protocols.models import DecisionKind, StageDecision
from protocols.services.decisions import plan_decide
from tests.protocols.factories import active_plan, all_met, library

pytestmark = pytest.mark.django_db

NOTE = "Great week. Keep the runs on grass and flat."


@pytest.fixture
def plan(patient, physio):
    return active_plan(patient=patient, template=library(), by=physio)


def plan_notices(user, channel):
    return Notification.objects.filter(recipient=user, kind="plan", channel=channel)


def send_all() -> list:
    mail.outbox.clear()
    for pk in Notification.objects.filter(channel="email", sent_at__isnull=True).values_list(
        "pk", flat=True
    ):
        notifications.deliver(pk)
    return list(mail.outbox)


def test_an_advance_tells_the_athlete_in_the_app_and_by_e_mail(plan, physio, athlete):
    plan_notices(athlete, "in_app").delete()  # the start of the plan told them already
    plan_notices(athlete, "email").delete()
    decision = plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        rationale="Criteria met; bone stress symptoms settled",
        criteria_met=all_met(plan),
        shared_note=NOTE,
    )
    in_app = plan_notices(athlete, "in_app").get()
    assert in_app.decision == decision
    assert in_app.title == "You moved on to the next stage"
    assert in_app.link == reverse("athlete_home")
    sent = send_all()
    assert [m.to for m in sent] == [[athlete.email]]
    said = (sent[0].subject + sent[0].body).lower()
    assert sent[0].subject == "Your plan has been updated"
    # No clinical detail in an e-mail: neither the stage, the rationale nor the physio's note.
    for clinical in (decision.to_stage.name.lower(), "criteria", "symptoms", "grass"):
        assert clinical not in said
    assert "/link/" in sent[0].body  # the sign-in link, as for reminders


def test_a_decision_saved_again_tells_nobody_twice(plan, physio, athlete):
    decision = plan_decide(plan=plan, kind="hold", by=physio, rationale="Night ache on Tuesday")
    before = Notification.objects.filter(decision=decision).count()
    assert before == 2
    notifications.notify_plan_changed(decision)
    decision.save()
    assert Notification.objects.filter(decision=decision).count() == before


def test_an_athlete_without_an_account_or_e_mail_is_not_written_to(clinic, physio, athlete):
    from tests.patients.factories import make_injury, make_patient

    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    plan = active_plan(patient=patient, template=library(), by=physio)
    plan_decide(plan=plan, kind="hold", by=physio, rationale="Review first")
    assert not Notification.objects.filter(kind="plan").exists()


def test_today_s_page_says_what_changed_and_the_physio_s_words(client, plan, physio, athlete):
    plan_decide(
        plan=plan, kind="hold", by=physio, rationale="Ache after the last run", shared_note=NOTE
    )
    client.force_login(athlete)
    page = client.get(reverse("athlete_home")).content.decode()
    assert 'id="plan-change"' in page
    assert "Your physio has held your plan" in page
    assert NOTE in page
    assert "Ache after the last run" not in page  # the rationale is the care team's


def test_the_athlete_reads_a_sentence_for_every_kind_of_change(plan, physio):
    with translation.override("en"):
        for kind in DecisionKind.values:
            decision = StageDecision(plan=plan, kind=kind, to_stage=plan.current_stage)
            words = plan_changes.what_changed(decision)
            assert words and "%(" not in words
            assert plan_changes.short_title(decision)
            if kind in {"start", "advance", "hold", "regress", "resume"}:
                assert plan.current_stage.name in words


def test_a_flag_action_that_changes_the_plan_carries_the_note_for_the_athlete(
    client, plan, physio, athlete, patient
):
    from checkins.models import Flag
    from tests.checkins.test_review import make_flag

    flag = make_flag(patient=patient)
    client.force_login(physio)
    response = client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "hold", "note": "Rest pain 3/10 on Monday", "shared_note": "Easy week, please."},
    )
    assert response.status_code == 302
    decision = plan.decisions.get(kind="hold")
    assert decision.shared_note == "Easy week, please."
    assert Flag.objects.get(pk=flag.pk).status == "resolved"
    assert plan_notices(athlete, "in_app").filter(decision=decision).exists()


def test_the_start_of_a_plan_is_told_in_the_app_only(plan, athlete):
    assert plan_notices(athlete, "in_app").get().title == "Your plan has started"
    assert not plan_notices(athlete, "email").exists()
