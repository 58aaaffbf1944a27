"""The coach's home (issue 17): per athlete, the stage, the expected return window, adherence,
the next review and whether training is restricted; never a pain value, a note, a rationale or
menstrual data. Another clinic's coach does not see the athlete."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import CareTeamMember
from protocols.selectors import expected_finish
from protocols.services.decisions import plan_decide
from rtr.accounts.models import Role
from tests.checkins.factories import make_history
from tests.factories import make_member
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db

RATIONALE = "Posteromedial tenderness on palpation, hop test 6/10"
SHARED = "Keep her to the plan this week; no track sessions."


@pytest.fixture
def plan(patient, physio, coach):
    CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
    plan = active_plan(patient=patient, template=library(), by=physio)
    today = timezone.localdate()
    make_history(
        patient=patient,
        last=today,
        days=4,
        pain_during=3,
        notes="left shin sore on the downhill",
        menstrual_status="irregular",
    )
    plan_decide(
        plan=plan,
        kind="hold",
        by=physio,
        rationale=RATIONALE,
        shared_note=SHARED,
        review_on=today + timedelta(days=5),
    )
    plan.refresh_from_db()
    return plan


def coach_rows(page: str) -> str:
    return page.split('id="coach-athletes"')[1].split("</section>")[0]


def test_the_coach_s_home_shows_each_athlete_s_stage_return_adherence_review_and_restriction(
    client, coach, plan
):
    client.force_login(coach)
    response = client.get(reverse("staff_home"))
    assert response.status_code == 200
    rows = coach_rows(response.content.decode())
    today = timezone.localdate()
    low, high = expected_finish(plan)
    assert "Alex Runner" in rows
    assert escape(plan.current_stage.name) in rows
    assert f"1 of {plan.content.stages.count()}" in rows
    assert low.strftime("%-d %b") in rows and high.strftime("%Y") in rows
    # 4 check-ins in the last 7 days of a plan that began a week ago: 4 of 7.
    assert "57%" in rows
    assert (today + timedelta(days=5)).strftime("%-d %b") in rows
    assert "Held at this stage" in rows


def test_the_coach_s_home_and_timeline_hold_no_clinical_detail(client, coach, plan, patient):
    client.force_login(coach)
    pages = [
        client.get(reverse("staff_home")).content.decode(),
        client.get(reverse("patients:team_section", args=[patient.public_id])).content.decode(),
        client.get(reverse("patients:detail", args=[patient.public_id])).content.decode(),
    ]
    for page in pages:
        for clinical in (RATIONALE, "hop test", "shin sore", "irregular", "Pain during"):
            assert clinical not in page


def test_a_paused_plan_is_no_running_for_the_coach(client, coach, physio, plan):
    plan_decide(plan=plan, kind="pause", by=physio, rationale="Night pain")
    client.force_login(coach)
    assert "Paused: no running" in coach_rows(client.get(reverse("staff_home")).content.decode())


def test_a_coach_of_another_clinic_or_off_the_care_team_does_not_see_the_athlete(
    client, clinic, other_clinic, plan
):
    for coach in (
        make_member(clinic=other_clinic, role=Role.COACH),
        make_member(clinic=clinic, role=Role.COACH),
    ):
        client.force_login(coach)
        page = client.get(reverse("staff_home")).content.decode()
        assert "Alex Runner" not in page
        assert "No athlete's care team includes you yet" in page


def test_the_plan_page_shows_the_coach_the_expected_timeline_and_graduation_criteria(
    client, coach, plan
):
    client.force_login(coach)
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    block = page.split('id="graduation"')[1].split("</section>")[0]
    low, high = expected_finish(plan)
    assert low.strftime("%-d %b %Y") in block and high.strftime("%-d %b %Y") in block
    assert "Return to sport when all of these are met" in block
    assert block.count("<li>") >= 3


def test_the_coach_s_home_runs_the_same_queries_for_two_athletes_or_six(
    client, clinic, physio, coach
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.patients.factories import make_injury, make_patient

    def athletes(n: int) -> None:
        for _ in range(n):
            patient = make_patient(clinic=clinic, physio=physio)
            make_injury(patient=patient, by=physio)
            CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
            plan = active_plan(patient=patient, template=library(), by=physio)
            plan_decide(plan=plan, kind="hold", by=physio, rationale="Ache")
            make_history(patient=patient, last=timezone.localdate(), days=3)

    client.force_login(coach)
    counts = []
    for n in (2, 4):
        athletes(n)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("staff_home")).content.decode()
        assert page.count('class="coach-row"') == sum((2, 4)[: len(counts) + 1])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
