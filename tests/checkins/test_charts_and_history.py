"""The charts people look at (issue 17): they begin where the data begins, say what will appear
before there is any, draw walking, cross-training and the week's planned against done volume,
and the watch's figures only where reported; the dashboard groups patients by the kind of
stage; the athlete's history shows their stages and the week's plan against what they did."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from checkins import selectors, services
from protocols.models import ProtocolTemplate
from protocols.selectors import StagePhase, stage_phase
from protocols.services.decisions import plan_decide
from tests.checkins.factories import make_history
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, all_met, library

pytestmark = pytest.mark.django_db


def section(client, patient) -> tuple[str, dict]:
    response = client.get(reverse("checkins:patient_section", args=[patient.public_id]))
    assert response.status_code == 200
    return response.content.decode(), response.context.get("chart") or {}


def test_every_library_stage_has_a_kind_and_the_kinds_run_in_order():
    for template in ProtocolTemplate.objects.filter(clinic__isnull=True, is_plan_copy=False):
        stages = list(template.stages.order_by("order").prefetch_related("steps"))
        phases = [stage_phase(s, is_last=s.order == stages[-1].order) for s in stages]
        ranks = [StagePhase.ORDER.index(p) for p in phases]
        assert ranks == sorted(ranks), (template.code, phases)
        assert phases[-1] == StagePhase.RETURN_TO_SPORT, template.code
        assert StagePhase.WALK_RUN in phases, template.code


def test_before_a_plan_the_section_says_what_will_appear(client, clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    client.force_login(physio)
    page, _chart = section(client, patient)
    assert 'id="checkins-empty"' in page and "No plan yet" in page
    assert "0 / 0" not in page and "<canvas" not in page


def test_a_plan_without_a_check_in_yet_says_so_and_draws_nothing(client, clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    active_plan(patient=patient, template=library(), by=physio)
    client.force_login(physio)
    page, _chart = section(client, patient)
    assert "No check-in yet since the plan started" in page and "<canvas" not in page


def test_a_new_athlete_s_chart_begins_at_the_plan_not_four_weeks_back(client, patient, physio):
    today = services.local_today(patient)
    active_plan(patient=patient, template=library(), by=physio, start=today - timedelta(days=9))
    make_history(patient=patient, last=today, days=3, walk_minutes=0, cross_training_minutes=0)
    client.force_login(physio)
    _page, chart = section(client, patient)
    assert chart["labels"][0] == (today - timedelta(days=9)).isoformat()
    assert chart["labels"][-1] == today.isoformat()
    # An all-zero series is a series of zeros (drawn), not missing days.
    assert chart["walk_minutes"][-3:] == [0, 0, 0]


def test_the_window_is_at_least_a_week_and_never_before_the_section_s_first_day():
    checkins = []
    today = date(2026, 12, 4)
    assert selectors.chart_first_day(
        checkins, first=today - timedelta(27), last=today, since=today
    ) == today - timedelta(6)
    assert selectors.chart_first_day(
        checkins, first=today - timedelta(27), last=today, since=date(2026, 1, 1)
    ) == today - timedelta(27)


def test_weekly_totals_add_up_planned_and_done_by_monday_weeks(patient, physio):
    today = services.local_today(patient)
    rows = make_history(
        patient=patient, last=today, days=10, run_minutes=Decimal(4), walk_minutes=10
    )
    by_day = {c.date: c for c in rows}
    days = [today - timedelta(days=i) for i in range(9, -1, -1)]
    totals = selectors.weekly_totals(by_day, days)
    assert sum(totals["week_run_done"]) == 40
    assert sum(totals["week_run_planned"]) == 50  # 5 min prescribed on each of the 10 days
    assert sum(totals["week_walk"]) == 100
    assert all(date.fromisoformat(label).weekday() == 0 for label in totals["week_labels"])


def test_steps_and_heart_figures_appear_only_where_reported_and_never_to_the_coach(
    client, patient, physio, coach
):
    from patients.models import CareTeamMember

    CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
    today = services.local_today(patient)
    active_plan(patient=patient, template=library(), by=physio)
    make_history(patient=patient, last=today, days=2)
    client.force_login(physio)
    page, chart = section(client, patient)
    assert chart["steps"] == [] and 'data-chart="steps"' not in page
    make_history(patient=patient, last=today - timedelta(days=2), days=1, steps=8000, resting_hr=52)
    page, chart = section(client, patient)
    assert (
        8000 in chart["steps"] and 'data-chart="steps"' in page and 'data-chart="wellness"' in page
    )
    assert 'data-chart="weekly"' in page
    client.force_login(coach)
    page, chart = section(client, patient)
    assert "steps" not in chart and "pain_during" not in chart
    assert 'data-chart="steps"' not in page and 'data-chart="weekly"' in page


def test_the_dashboard_groups_patients_by_the_kind_of_stage(client, clinic, lead, physio):
    plans = []
    for n in range(3):
        patient = make_patient(clinic=clinic, physio=physio, last_name=f"Kind{n}")
        make_injury(patient=patient, by=physio)
        plans.append(active_plan(patient=patient, template=library(), by=physio))
    plan_decide(
        plan=plans[0], kind="advance", by=physio, rationale="ok", criteria_met=all_met(plans[0])
    )
    client.force_login(lead)
    page = client.get(reverse("staff_home"), {"view": "clinic"}).content.decode()
    kinds = page.split('id="stage-kinds"')[1].split("</ul>")[0]
    assert "<strong>Protection</strong>: 2" in kinds
    assert "<strong>Walking</strong>: 1" in kinds
    assert "<strong>Return to sport</strong>: 0" in kinds


def test_the_athlete_s_history_shows_the_stages_and_this_week_against_the_plan(
    client, patient, physio, athlete
):
    today = services.local_today(patient)
    plan = active_plan(
        patient=patient, template=library(), by=physio, start=today - timedelta(days=10)
    )
    plan_decide(plan=plan, kind="advance", by=physio, rationale="ok", criteria_met=all_met(plan))
    make_history(patient=patient, last=today, days=1, walk_minutes=25)
    client.force_login(athlete)
    page = client.get(reverse("checkins:history")).content.decode()
    progress = page.split('id="stage-progress"')[1].split("</section>")[0]
    assert progress.count("stage-done") == 1 and progress.count("stage-current") == 1
    assert progress.count("stage-ahead") == plan.content.stages.count() - 2
    week = page.split('id="week-against-plan"')[1].split("</section>")[0]
    assert today.strftime("%a %-d %b") in week
    assert "25 min walk" in week
    assert week.count("<tr>") == 8  # the header and seven days
