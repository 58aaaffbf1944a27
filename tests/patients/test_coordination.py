"""Review dates and tasks, and the physio–coach timeline (issue 17).

A physio would expect: a hold or a pause leaves a review on a date (theirs, or a week ahead);
any later decision is that review, so it is marked done; a referral for imaging leaves a
follow-up; a recorded sign-off closes the task to obtain it. The home page lists what is
overdue, due today and coming up. The timeline is written and read by the physio, the lead
and the athlete's coach, and by nobody else.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import coordination
from patients.models import CareTask, CareTeamMember, TeamMessage
from protocols.services.decisions import plan_decide
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, all_met, library

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(clinic, physio, coach):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Mia", last_name="Miles")
    make_injury(patient=patient, by=physio)
    CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
    return patient


@pytest.fixture
def plan(patient, physio):
    return active_plan(patient=patient, template=library(), by=physio)


def today():
    return timezone.localdate()


def test_a_hold_sets_a_review_a_week_ahead_and_a_pause_on_the_physio_s_date(plan, physio):
    plan_decide(plan=plan, kind="hold", by=physio, rationale="Ache after runs")
    review = CareTask.objects.open().get(patient=plan.patient, kind="review")
    assert review.due_on == today() + timedelta(days=7)
    plan_decide(
        plan=plan, kind="pause", by=physio, rationale="Night pain", review_on=today() + timedelta(3)
    )
    # The pause is the review of the hold: one open review, on the new date.
    open_reviews = CareTask.objects.open().filter(patient=plan.patient, kind="review")
    assert [t.due_on for t in open_reviews] == [today() + timedelta(days=3)]
    assert CareTask.objects.filter(patient=plan.patient, done_at__isnull=False).count() == 1


def test_a_decision_that_is_not_a_hold_or_pause_closes_the_review(plan, physio):
    plan_decide(plan=plan, kind="hold", by=physio, rationale="Ache after runs")
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        rationale="Settled",
        criteria_met=all_met(plan),
    )
    assert not CareTask.objects.open().filter(patient=plan.patient, kind="review").exists()
    assert coordination.next_review(plan.patient) is None


def test_a_review_date_in_the_past_is_refused_and_nothing_changes(client, plan, physio):
    client.force_login(physio)
    stage = plan.current_stage_id
    response = client.post(
        reverse("protocols:plan_decide", args=[plan.public_id]),
        {"kind": "hold", "rationale": "Ache", "review_on": (today() - timedelta(1)).isoformat()},
    )
    assert response.status_code == 400
    assert "today or a later date" in response.content.decode()
    plan.refresh_from_db()
    assert plan.current_stage_id == stage
    assert not plan.decisions.filter(kind="hold").exists()
    assert not CareTask.objects.exists()


def test_a_referral_for_imaging_leaves_a_follow_up(client, plan, physio, patient):
    from tests.checkins.test_review import make_flag

    flag = make_flag(patient)
    client.force_login(physio)
    due = today() + timedelta(days=10)
    response = client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "refer", "note": "MRI requested", "review_on": due.isoformat()},
    )
    assert response.status_code == 302
    task = CareTask.objects.get(patient=patient, kind="imaging")
    assert task.due_on == due and task.note == "MRI requested"


def test_a_resolve_with_a_date_that_is_not_one_is_a_400_and_the_flag_stays_open(
    client, plan, physio, patient
):
    from tests.checkins.test_review import make_flag

    flag = make_flag(patient)
    client.force_login(physio)
    response = client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "hold", "note": "Hold", "review_on": "next week"},
    )
    assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.status == "open"
    assert not plan.decisions.filter(kind="hold").exists()


def test_the_physio_s_home_lists_reviews_overdue_due_and_coming(client, clinic, physio, plan):
    other = make_patient(clinic=clinic, physio=physio, first_name="Noa", last_name="North")
    late = CareTask.objects.create(
        patient=plan.patient, kind="review", due_on=today() - timedelta(2), created_by=physio
    )
    CareTask.objects.create(patient=other, kind="imaging", due_on=today(), created_by=physio)
    CareTask.objects.create(
        patient=other, kind="signoff", due_on=today() + timedelta(30), created_by=physio
    )
    client.force_login(physio)
    page = client.get(reverse("staff_home")).content.decode()
    overdue = page.split('id="tasks-overdue"')[1].split("</ul>")[0]
    due_today = page.split('id="tasks-today"')[1].split("</ul>")[0]
    assert "Mia Miles" in overdue and "Review the plan" in overdue
    assert "Noa North" in due_today and "Imaging follow-up" in due_today
    assert "Specialist sign-off" not in page.split('id="reviews-due"')[1].split("</section>")[0]
    coordination.task_done(task=late, by=physio)
    page = client.get(reverse("staff_home")).content.decode()
    assert "Mia Miles" not in page.split('id="tasks-overdue"')[1].split("</ul>")[0]


def test_tasks_are_added_and_done_from_the_patient_page_with_clear_errors(client, physio, patient):
    client.force_login(physio)
    url = reverse("patients:task_add", args=[patient.public_id])
    for bad in (
        {"kind": "", "due_on": today().isoformat()},
        {"kind": "lunch", "due_on": today().isoformat()},
        {"kind": "review", "due_on": "soon"},
        {"kind": "review", "due_on": (today() - timedelta(1)).isoformat()},
        {"kind": "review", "due_on": today().isoformat(), "note": "x" * 301},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
    assert not CareTask.objects.exists()
    response = client.post(url, {"kind": "review", "due_on": today().isoformat(), "note": "Gait"})
    assert response.status_code == 302
    task = CareTask.objects.get()
    done = reverse("patients:task_done", args=[task.public_id])
    assert client.post(done).status_code == 302
    assert client.post(done).status_code == 409  # already done: said, not a 500
    task.refresh_from_db()
    assert task.done_by == physio


def test_the_coach_and_the_physio_share_a_timeline(client, physio, coach, patient):
    url = reverse("patients:team_message", args=[patient.public_id])
    client.force_login(coach)
    assert client.post(url, {"text": "Race on the 20th: can she run 5 km?"}).status_code == 302
    client.force_login(physio)
    assert client.post(url, {"text": "Not yet; we review on Friday."}).status_code == 302
    client.force_login(coach)
    section = client.get(reverse("patients:team_section", args=[patient.public_id]))
    body = section.content.decode()
    assert body.index("Not yet; we review on Friday.") < body.index("Race on the 20th")
    assert [m.author for m in TeamMessage.objects.order_by("created_at")] == [coach, physio]


def test_an_empty_or_too_long_message_is_a_400_and_nothing_is_saved(client, coach, patient):
    client.force_login(coach)
    url = reverse("patients:team_message", args=[patient.public_id])
    for text in ("", "   ", "x" * 2001, "nul\x00"):
        assert client.post(url, {"text": text}).status_code == 400, text
    assert not TeamMessage.objects.exists()


def test_who_may_read_and_write_the_timeline(
    client, clinic, physio, patient, athlete, outsider, other_clinic
):
    from rtr.accounts.models import Role
    from tests.factories import make_member

    other_coach = make_member(clinic=clinic, role=Role.COACH)  # not on this care team
    outside_coach = make_member(clinic=other_clinic, role=Role.COACH)
    section = reverse("patients:team_section", args=[patient.public_id])
    post = reverse("patients:team_message", args=[patient.public_id])
    for user in (other_coach, outside_coach, outsider):
        client.force_login(user)
        assert client.get(section).status_code == 404
        assert client.post(post, {"text": "hello"}).status_code == 404
    client.force_login(athlete)
    assert client.get(section).status_code in {403, 404}
    assert client.post(post, {"text": "hello"}).status_code in {403, 404}
    assert not TeamMessage.objects.exists()


def test_the_coach_never_reaches_the_tasks(client, coach, physio, patient):
    task = CareTask.objects.create(
        patient=patient,
        kind="imaging",
        due_on=today(),
        note="MRI: query navicular",
        created_by=physio,
    )
    client.force_login(coach)
    assert (
        client.get(reverse("patients:tasks_section", args=[patient.public_id])).status_code == 403
    )
    assert client.post(reverse("patients:task_done", args=[task.public_id])).status_code == 403
    page = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "Reviews and tasks" not in page and "MRI" not in page
