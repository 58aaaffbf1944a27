"""An athlete who does exactly what the plan prescribes, every day, with no symptoms, raises no
flag: from the first stage of each library template to graduation (issue 14, acceptance 1).

The simulation goes through the app's own services day by day, at the clinic's evening: the
day's prescription (`prescription_for`), the check-in (`checkin_submit`, which also moves the
step ladder), the outbox evaluation (`evaluate_pending`) and the hourly sweep (missed check-ins).
The simulated physio advances a stage as soon as the next stage's entry criteria are met (the
ones the check-ins measure, over the proposal's 14 days; the others, such as a hop test or
imaging, are taken as passed on examination) and the stage's minimum duration has passed,
plus a few days' delay drawn by hypothesis; after the last stage, graduation.

What a physio expects: nothing at all. Progression the physio prescribed is not a load spike,
a strength or rest day is not a missed session, and nothing is tender, swollen or painful.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from checkins import services
from checkins.models import Flag
from checkins.review import proposal
from checkins.warning_signs import evaluation
from protocols import prescription as engine
from protocols.models import Plan, PlanStatus
from protocols.selectors import Prescription, decision_criteria, prescription_for
from protocols.services.decisions import plan_decide
from protocols.services.plans import plan_assign, plan_confirm
from rtr.accounts.models import Role
from tests.checkins.factories import checkin_data
from tests.factories import make_member
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import library
from tests.protocols.test_progression_safety import sign_off_everything

TEMPLATES = ["low_risk_tibia_mt", "high_risk_conservative", "generic_conservative"]
counter = itertools.count()


def evening(clinic, day: date) -> datetime:
    return datetime.combine(day, time(19, 0), tzinfo=clinic.zone)


def prescribed_checkin(rx: Prescription) -> dict:
    """What a symptom-free athlete reports after doing exactly the day's prescription."""
    data = checkin_data(
        session_done="rest_day",
        pain_during=None,
        pain_after=None,
        run_minutes=0,
        walk_minutes=0,
        session_rpe=None,
        sleep_hours=Decimal("8"),
        fatigue=2,
        confidence=8,
    )
    if rx.kind == engine.SESSION and rx.step is not None:
        step = rx.step
        data.update(session_done="as_prescribed", pain_during=0, pain_after=0, session_rpe=3)
        if step.kind == "cross_training":
            data["cross_training_minutes"] = step.cross_training_minutes
        else:
            data["run_minutes"] = int(step.run_total_minutes)
            data["walk_minutes"] = int(step.walk_minutes * step.repetitions)
    elif rx.kind == engine.STRENGTH:
        data.update(session_done="as_prescribed", pain_during=0, pain_after=0, strength_done=True)
    elif rx.kind == engine.CROSS_TRAINING:
        data.update(session_done="as_prescribed", pain_during=0, pain_after=0)
        data["cross_training_minutes"] = 30
    return data


def criteria_met(plan: Plan, day: date) -> list[dict] | None:
    """The next stage's entry criteria as the physio records them, or None while a measured
    one is not met yet."""
    stages = list(plan.content.stages.order_by("order"))
    index = next(i for i, s in enumerate(stages) if s.pk == plan.current_stage_id)
    if index + 1 >= len(stages):
        # Graduation: the return-to-sport checklist, examined and met.
        return [{"text": c.text, "met": True} for c in decision_criteria(plan, "graduate")]
    criteria = list(stages[index + 1].criteria.order_by("order"))
    rows = []
    for a in proposal.assess(criteria, patient_id=plan.patient_id, today=day):
        if a.met is False:
            return None
        value = (
            a.value
            if a.value is not None
            else (True if a.criterion.kind == "yes_no" else a.criterion.threshold)
        )
        rows.append(
            {
                "text": a.criterion.text,
                "requirement": a.criterion.requirement,
                "value": value if isinstance(value, bool) else str(value),
                "met": True,
                "source": a.criterion.source,
            }
        )
    return rows


def follow_the_plan(code: str, *, clinic, physio, start_offset: int, delay: int) -> Plan:
    start = date(2026, 3, 2) + timedelta(days=start_offset)
    n = next(counter)
    with time_machine.travel(evening(clinic, start), tick=False):
        athlete = make_member(
            clinic=clinic, role=Role.ATHLETE, first_name="Plan", last_name=f"Follower {n}"
        )
        patient = make_patient(
            clinic=clinic, physio=physio, first_name="Plan", last_name=f"Follower {n}"
        )
        make_injury(patient=patient, by=physio, site="tibia_posteromedial")
        patient.user = athlete
        patient.save()
        draft = plan_assign(
            patient=patient,
            template=library(code),
            start_date=start,
            by=physio,
            override_reason="Simulation: every template on one injury.",
        )
        sign_off_everything(draft, physio)
        plan = plan_confirm(plan=draft, by=physio)
    day = start
    ready_since: date | None = None
    for _ in range(400):
        with time_machine.travel(evening(clinic, day), tick=False):
            plan = Plan.objects.select_related("current_stage", "current_step", "patient").get(
                pk=plan.pk
            )
            if plan.status != PlanStatus.ACTIVE:
                break
            rx = prescription_for(plan, day)
            services.checkin_submit(
                patient=patient, by=athlete, day=day, data=prescribed_checkin(rx)
            )
            evaluation.evaluate_pending()
            evaluation.sweep()
            stage = plan.current_stage
            assert stage is not None and plan.stage_started_on is not None
            in_stage = (day - plan.stage_started_on).days + 1
            met = criteria_met(plan, day) if in_stage >= stage.duration_min_weeks * 7 else None
            ready_since = (ready_since or day) if met is not None else None
            if met is not None and ready_since is not None and (day - ready_since).days >= delay:
                last = not plan.content.stages.filter(order__gt=stage.order).exists()
                plan_decide(
                    plan=plan,
                    kind="graduate" if last else "advance",
                    by=physio,
                    rationale="Criteria met on the check-ins and on examination.",
                    criteria_met=met,
                    on=day + timedelta(days=1),
                )
                ready_since = None
        day += timedelta(days=1)
    return plan


@pytest.mark.parametrize("code", TEMPLATES)
@settings(
    max_examples=2,  # each is a whole plan, day by day (about 10-25 s)
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is already a readable story
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start_offset=st.integers(0, 6), delay=st.integers(0, 4))
def test_a_plan_follower_without_symptoms_raises_no_flag(code, start_offset, delay, clinic, physio):
    plan = follow_the_plan(
        code, clinic=clinic, physio=physio, start_offset=start_offset, delay=delay
    )
    assert plan.status == PlanStatus.COMPLETED, "the simulation reaches graduation"
    flags = list(
        Flag.objects.filter(patient=plan.patient).values_list(
            "rule_code", "summary", "first_seen_date"
        )
    )
    assert flags == []
