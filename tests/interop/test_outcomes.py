"""The outcomes registry, against intervals computed by hand, and the page that shows them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from checkins.models import CheckIn, Flag
from interop import outcomes
from patients.models import Injury
from protocols.models import Plan, StageDecision
from tests.checkins.factories import checkin_data
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db
D = date(2025, 3, 3)  # every patient's diagnosis day (day 0)


def _decide(plan, kind, day, to_stage=None, by=None):
    decision = StageDecision.objects.create(
        plan=plan, kind=kind, to_stage=to_stage, rationale="r", decided_by=by
    )
    StageDecision.objects.filter(pk=decision.pk).update(
        decided_at=datetime.combine(day, time(12), tzinfo=UTC)
    )


def _run(patient, day):
    CheckIn.objects.create(patient=patient, date=day, **checkin_data(run_minutes=10))


def _episode(
    clinic,
    physio,
    *,
    first_run,
    rts=None,
    stop=None,
    full=None,
    hold=False,
    diagnosed=D,
    patient=None,
):
    patient = patient or make_patient(clinic=clinic, physio=physio)
    make_injury(
        patient=patient,
        by=physio,
        diagnosed_on=diagnosed,
        first_symptoms_on=diagnosed - timedelta(days=7),
    )
    plan = active_plan(
        patient=patient, template=library(), by=physio, start=diagnosed + timedelta(days=3)
    )
    StageDecision.objects.filter(plan=plan).delete()  # only the decisions of this story
    last = plan.content.stages.order_by("-order").first()
    if first_run is not None:
        CheckIn.objects.create(
            patient=patient,
            date=diagnosed + timedelta(days=first_run - 1),
            **checkin_data(run_minutes=0, session_done="rest_day", pain_during=None),
        )
        _run(patient, diagnosed + timedelta(days=first_run))
    if hold:
        _decide(plan, "hold", diagnosed + timedelta(days=first_run + 2), by=physio)
    if full is not None:
        _decide(plan, "advance", diagnosed + timedelta(days=full), to_stage=last, by=physio)
    if rts is not None:
        _decide(plan, "graduate", diagnosed + timedelta(days=rts), by=physio)
        Plan.objects.filter(pk=plan.pk).update(status="completed")
    if stop is not None:
        _decide(plan, "stop", diagnosed + timedelta(days=stop), by=physio)
        Plan.objects.filter(pk=plan.pk).update(status="stopped")
    return patient, plan


@pytest.fixture
def caseload(clinic, physio):
    graduated, plan = _episode(clinic, physio, first_run=30, full=50, rts=60, hold=True)
    Flag.objects.create(
        clinic=clinic,
        patient=graduated,
        plan=plan,
        rule_code="run_pain",
        rule_version=1,
        severity="low",
        summary="s",
        first_seen_date=D + timedelta(days=35),
        last_evidence_date=D + timedelta(days=35),
    )
    stopped, _ = _episode(clinic, physio, first_run=40, stop=45)
    reinjured, _ = _episode(clinic, physio, first_run=20, rts=80)
    Injury.objects.filter(patient=reinjured).update(is_current=False)
    second_day = D + timedelta(days=80 + 100)  # 100 days after the return to sport
    Plan.objects.filter(patient=reinjured).update(status="completed")
    make_injury(
        patient=reinjured,
        by=physio,
        diagnosed_on=second_day,
        first_symptoms_on=second_day - timedelta(days=5),
    )
    quick, _ = _episode(clinic, physio, first_run=15, rts=40)
    return {"graduated": graduated, "stopped": stopped, "reinjured": reinjured, "quick": quick}


def test_intervals_match_the_hand_computed_ones(clinic, caseload):
    by_patient = {}
    for episode in outcomes.episodes(clinic):
        by_patient.setdefault(episode.patient_id, []).append(episode)
    [g] = by_patient[caseload["graduated"].pk]
    assert (g.status, g.days_to_first_run, g.days_to_full_training, g.days_to_return) == (
        "graduated",
        30,
        50,
        60,
    )
    assert (g.holds, g.regressions, g.flags_by_rule) == (1, 0, {"run_pain": 1})
    assert g.protocol and g.protocol_version == 1
    [s] = by_patient[caseload["stopped"].pk]
    assert (s.status, s.days_to_first_run, s.days_to_return, s.days(s.ended_on)) == (
        "stopped",
        40,
        None,
        45,
    )
    first, second = by_patient[caseload["reinjured"].pk]
    assert (first.status, first.days_to_first_run, first.days_to_return) == ("graduated", 20, 80)
    assert second.recurrence_of == first.injury_id and first.recurred_by == second.injury_id
    assert second.status == "ongoing" and second.days_to_first_run is None


def test_a_new_injury_after_12_months_or_elsewhere_is_not_a_recurrence(clinic, physio):
    patient, _ = _episode(clinic, physio, first_run=20, rts=30)
    Injury.objects.filter(patient=patient).update(is_current=False)
    Plan.objects.filter(patient=patient).update(status="completed")
    make_injury(
        patient=patient,
        by=physio,
        diagnosed_on=D + timedelta(days=30 + 366),
        first_symptoms_on=D + timedelta(days=30 + 360),
    )
    Injury.objects.filter(patient=patient).update(is_current=False)
    make_injury(
        patient=patient,
        by=physio,
        site="navicular",
        diagnosed_on=D + timedelta(days=30 + 400),
        first_symptoms_on=D + timedelta(days=30 + 390),
    )
    items = [e for e in outcomes.episodes(clinic) if e.patient_id == patient.pk]
    assert len(items) == 3
    assert all(e.recurrence_of is None for e in items)


def test_the_clinic_figures_and_the_page_match(client, clinic, lead, caseload):
    rows, _items = outcomes.clinic_outcomes(clinic)
    [row] = [r for r in rows if r.site == "tibia_posteromedial"]
    # days to RTS: 40, 60, 80 -> median 60, IQR 50-70 (inclusive quartiles); n = 3
    assert (row.to_return.n, row.to_return.median, row.to_return.q1, row.to_return.q3) == (
        3,
        60,
        50,
        70,
    )
    # days to first run: 15, 20, 30, 40 -> median 25, IQR 18.75-32.5
    assert (row.to_first_run.n, row.to_first_run.median) == (4, 25)
    assert (row.to_first_run.q1, row.to_first_run.q3) == (18.75, 32.5)
    assert (row.injuries, row.ended, row.graduated, row.stopped, row.recurrences) == (
        5,
        4,
        3,
        1,
        1,
    )
    assert row.reinjury_rate == 25.0
    assert (row.expected.low, row.expected.high) == (27, 61) and row.within_expected

    client.force_login(lead)
    page = client.get(reverse("interop:outcomes")).content.decode()
    tr = re.search(r'<tr data-site="tibia_posteromedial".*?</tr>', page, re.S).group(0)
    assert "60 (50–70), n = 3" in tr
    assert "25 (18.8–32.5), n = 4" in tr
    assert "25% (1 of 4)" in tr
    assert "44 (27–61)" in tr
    assert 'id="outcome-charts"' in page and "<canvas" in page
    assert "<script>" not in page.replace('<script id="outcome-charts"', "")  # no inline script
