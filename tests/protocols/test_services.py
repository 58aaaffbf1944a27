from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.eligibility import misfit_reasons
from protocols.models import Plan, ProtocolTemplate, SessionLog, StageDecision
from protocols.selectors import prescription_for
from protocols.services.decisions import plan_decide
from protocols.services.plans import plan_assign, plan_confirm
from protocols.services.sessions import plan_record_session
from protocols.services.stages import (
    stage_add,
    stage_delete,
    stage_move,
    stage_update,
    step_add,
    step_move,
    step_update,
)
from protocols.services.templates import (
    NotEditable,
    template_clone,
    template_create,
    template_new_version,
    template_publish,
    template_retire,
)
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, all_met, library, make_template

TODAY = timezone.localdate


@pytest.fixture
def tibia_patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Tia", last_name="Tibia")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial", fredericson_grade="3")
    return patient


@pytest.fixture
def navicular_patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Nadia", last_name="Navicular")
    make_injury(patient=patient, by=physio, site="navicular", fredericson_grade="3")
    return patient


# --- Library -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_library_holds_the_three_reference_templates_with_sources():
    codes = set(ProtocolTemplate.objects.filter(clinic__isnull=True).values_list("code", flat=True))
    assert codes == {"low_risk_tibia_mt", "high_risk_conservative", "generic_conservative"}
    for template in ProtocolTemplate.objects.filter(clinic__isnull=True):
        assert template.status == "published" and template.evidence
        for stage in template.stages.all():
            assert stage.steps.exists(), stage
            assert all(c.source for c in stage.criteria.all()), stage
            assert all(s.source or s.label for s in stage.steps.all()) or stage.source


@pytest.mark.django_db
def test_loading_the_library_twice_adds_nothing():
    from protocols.library import load_library

    before = ProtocolTemplate.objects.count()
    assert load_library() == 0
    assert ProtocolTemplate.objects.count() == before


# --- Eligibility -------------------------------------------------------------------------------


def test_low_risk_template_fits_a_posteromedial_tibia(tibia_patient):
    assert misfit_reasons(library(), tibia_patient.current_injury) == []


def test_low_risk_template_for_a_navicular_names_the_reasons(navicular_patient):
    reasons = " ".join(misfit_reasons(library(), navicular_patient.current_injury))
    assert "not Tarsal navicular" in reasons
    assert "low risk injuries; this one is high risk" in reasons


def test_high_risk_template_excludes_tension_side_and_wide_fractures(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    injury = make_injury(patient=patient, by=physio, site="femoral_neck_tension")
    assert "excluded" in " ".join(misfit_reasons(library("high_risk_conservative"), injury))
    injury = make_injury(
        patient=patient, by=physio, site="femoral_neck_compression", fracture_extent_pct=60
    )
    assert "60% of the neck width" in " ".join(
        misfit_reasons(library("high_risk_conservative"), injury)
    )


def test_grade_above_the_template_maximum(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    injury = make_injury(
        patient=patient, by=physio, site="tibia_posteromedial", fredericson_grade="4b"
    )
    assert "Fredericson grade 4b is above" in " ".join(misfit_reasons(library(), injury))


def test_no_injury_is_a_reason(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    assert misfit_reasons(library(), patient.current_injury)


def test_generic_template_fits_any_site(navicular_patient):
    assert misfit_reasons(library("generic_conservative"), navicular_patient.current_injury) == []


# --- Assignment ------------------------------------------------------------------------------


def test_assignment_copies_the_template(tibia_patient, physio):
    plan = plan_assign(patient=tibia_patient, template=library(), start_date=TODAY(), by=physio)
    assert plan.status == "draft"
    assert plan.content.is_plan_copy and plan.content.pk != library().pk
    assert plan.content.stages.count() == library().stages.count()
    assert [s.describe() for s in plan.content.stages.get(order=3).steps.all()] == [
        s.describe() for s in library().stages.get(order=3).steps.all()
    ]


def test_assigning_a_misfit_needs_an_explicit_override(navicular_patient, physio):
    with pytest.raises(ValidationError) as excinfo:
        plan_assign(patient=navicular_patient, template=library(), start_date=TODAY(), by=physio)
    assert "override_reason" in excinfo.value.error_dict
    assert not Plan.objects.exists()
    plan = plan_assign(
        patient=navicular_patient,
        template=library(),
        start_date=TODAY(),
        by=physio,
        override_reason="Specialist cleared a low-risk pathway after CT union",
    )
    assert plan.eligibility_override_reason.startswith("Specialist")


def test_one_open_plan_per_patient(tibia_patient, physio):
    plan_assign(patient=tibia_patient, template=library(), start_date=TODAY(), by=physio)
    with pytest.raises(ValidationError, match="already has an open plan"):
        plan_assign(patient=tibia_patient, template=library(), start_date=TODAY(), by=physio)
    assert Plan.objects.count() == 1


def test_a_retired_or_draft_template_cannot_be_assigned(tibia_patient, physio, clinic):
    template = make_template(clinic=clinic, by=physio)
    template_retire(template=template)
    with pytest.raises(ValidationError, match="Only a published template"):
        plan_assign(
            patient=tibia_patient,
            template=template,
            start_date=TODAY(),
            by=physio,
            override_reason="x",
        )
    draft = make_template(clinic=clinic, by=physio, publish=False)
    with pytest.raises(ValidationError, match="Only a published template"):
        plan_assign(
            patient=tibia_patient,
            template=draft,
            start_date=TODAY(),
            by=physio,
            override_reason="x",
        )
    assert not Plan.objects.exists()


def test_a_template_of_another_clinic_cannot_be_assigned(
    tibia_patient, physio, other_clinic, outsider
):
    theirs = make_template(clinic=other_clinic, by=outsider)
    with pytest.raises(ValidationError, match="another clinic"):
        plan_assign(
            patient=tibia_patient,
            template=theirs,
            start_date=TODAY(),
            by=physio,
            override_reason="x",
        )


@pytest.mark.parametrize("days", [-15, 91])
def test_start_date_window(tibia_patient, physio, days):
    with pytest.raises(ValidationError):
        plan_assign(
            patient=tibia_patient,
            template=library(),
            start_date=TODAY() + timedelta(days=days),
            by=physio,
        )


def test_adjusting_the_draft_copy_leaves_the_library_untouched(tibia_patient, physio):
    plan = plan_assign(patient=tibia_patient, template=library(), start_date=TODAY(), by=physio)
    stage = plan.content.stages.get(order=3)
    stage_update(stage=stage, duration_min_weeks=1, duration_max_weeks=2)
    assert library().stages.get(order=3).duration_max_weeks == 4
    confirmed = plan_confirm(plan=plan, by=physio)
    with pytest.raises(NotEditable):
        stage_update(stage=stage, duration_max_weeks=3)
    assert confirmed.current_stage.order == 1


def test_confirming_records_a_start_decision(tibia_patient, physio):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    assert plan.status == "active"
    assert plan.decisions.get().kind == "start"
    with pytest.raises(ValidationError):
        plan_confirm(plan=plan, by=physio)


# --- Versioning --------------------------------------------------------------------------------


def test_editing_a_published_template_makes_a_new_version_and_leaves_plans_alone(
    clinic, physio, tibia_patient
):
    v1 = make_template(clinic=clinic, by=physio, eligible_risk="low")
    plan = active_plan(patient=tibia_patient, template=v1, by=physio)
    with pytest.raises(NotEditable):
        stage_update(stage=v1.stages.first(), name="Changed")
    v2 = template_new_version(template=v1, by=physio)
    assert (v2.family, v2.version, v2.status) == (v1.family, 2, "draft")
    assert template_new_version(template=v1, by=physio) == v2  # one draft per family
    stage_update(stage=v2.stages.get(order=1), name="Renamed in v2")
    step_update(step=v2.stages.get(order=1).steps.first(), run_minutes=Decimal(9))
    template_publish(template=v2, by=physio)
    v1.refresh_from_db()
    assert v1.status == "retired"
    assert v1.stages.get(order=1).name == "Stage 1"
    assert plan.content.stages.get(order=1).name == "Stage 1"
    assert plan.source_template == v1
    assert plan.content.stages.get(order=1).steps.first().run_minutes == Decimal(1)


def test_the_shared_library_is_read_only(physio):
    template = library()
    with pytest.raises(NotEditable):
        stage_update(stage=template.stages.first(), name="x")
    with pytest.raises(NotEditable):
        template_new_version(template=template, by=physio)
    with pytest.raises(NotEditable):
        template_retire(template=template)


def test_clone_makes_a_clinic_draft(clinic, physio):
    clone = template_clone(template=library(), clinic=clinic, by=physio)
    assert clone.clinic == clinic and clone.status == "draft" and clone.family != library().family
    assert clone.stages.count() == 6


def test_publishing_needs_stages_with_steps(clinic, physio):
    empty = template_create(
        clinic=clinic, by=physio, name="Empty", duration_min_weeks=1, duration_max_weeks=2
    )
    with pytest.raises(ValidationError, match="at least one stage"):
        template_publish(template=empty, by=physio)
    stage_add(
        template=empty,
        name="No steps",
        duration_min_weeks=1,
        duration_max_weeks=1,
        session_days_per_week=2,
    )
    with pytest.raises(ValidationError, match="no session steps"):
        template_publish(template=empty, by=physio)
    empty.refresh_from_db()
    assert empty.status == "draft"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"walk_minutes": 0, "run_minutes": 0}, "needs a walk time"),
        ({"walk_minutes": 2, "repetitions": 0}, "greater than or equal to 1"),
        ({"walk_minutes": -1, "run_minutes": 1}, "greater than or equal to 0"),
        ({"kind": "cross_training", "cross_training_minutes": 0}, "needs its minutes"),
        ({"walk_minutes": 2, "completions_to_advance": 0}, "greater than or equal to 1"),
        ({"walk_minutes": 2, "target_rpe": 11}, "less than or equal to 10"),
    ],
)
def test_bad_steps_are_refused(clinic, physio, data, message):
    template = make_template(clinic=clinic, by=physio, publish=False, stages=1, steps=0)
    stage = template.stages.get()
    with pytest.raises(ValidationError, match=message):
        step_add(stage=stage, **{"kind": "walk_run", **data})
    assert not stage.steps.exists()


def test_bad_stage_week_is_refused(clinic, physio):
    template = make_template(clinic=clinic, by=physio, publish=False, stages=0)
    with pytest.raises(ValidationError, match="at most 4"):
        stage_add(
            template=template,
            name="x",
            duration_min_weeks=1,
            duration_max_weeks=2,
            session_days_per_week=5,
            no_back_to_back=True,
        )
    with pytest.raises(ValidationError):
        stage_add(
            template=template,
            name="x",
            duration_min_weeks=3,
            duration_max_weeks=2,
            session_days_per_week=3,
        )
    assert not template.stages.exists()


def test_reordering_stages_and_steps(clinic, physio):
    template = make_template(clinic=clinic, by=physio, publish=False, stages=3)
    first = template.stages.get(order=1)
    stage_move(stage=first, direction="down")
    assert list(template.stages.order_by("order").values_list("name", flat=True)) == [
        "Stage 2",
        "Stage 1",
        "Stage 3",
    ]
    stage_move(
        stage=template.stages.get(name="Stage 2"), direction="up"
    )  # already first: no change
    step = template.stages.get(name="Stage 1").steps.get(order=2)
    step_move(step=step, direction="up")
    step.refresh_from_db()
    assert step.order == 1
    stage_delete(stage=template.stages.get(name="Stage 1"))
    assert list(template.stages.order_by("order").values_list("order", flat=True)) == [1, 2]


# --- Decisions and sessions --------------------------------------------------------------------


def test_advance_regress_and_the_timeline(tibia_patient, physio):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="ADL pain-free, no tenderness",
    )
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="Walks and hops pain-free",
    )
    plan.refresh_from_db()
    assert plan.current_stage.order == 3 and plan.current_step.order == 1
    plan_decide(plan=plan, kind="regress", by=physio, rationale="Pain 4/10 during the walk-run")
    plan.refresh_from_db()
    assert plan.current_stage.order == 2
    assert plan.current_step.order == plan.current_stage.steps.count()  # the level tolerated there
    kinds = list(
        StageDecision.objects.filter(plan=plan)
        .order_by("decided_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["start", "advance", "advance", "regress"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("regress", "no earlier stage"),
        ("graduate", "after the last stage"),
        ("start", "Unknown"),
        ("jump", "Unknown"),
        ("resume", "not possible"),
    ],
)
def test_impossible_decisions_are_refused(tibia_patient, physio, kind, message):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    with pytest.raises(ValidationError, match=message):
        plan_decide(plan=plan, kind=kind, by=physio, rationale="because")
    assert plan.decisions.count() == 1


def test_a_decision_needs_a_rationale(tibia_patient, physio):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    with pytest.raises(ValidationError, match="rationale"):
        plan_decide(plan=plan, kind="hold", by=physio, rationale="   ")


def test_pause_resume_graduate_stop(tibia_patient, physio):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    plan_decide(plan=plan, kind="pause", by=physio, rationale="Imaging pending")
    plan.refresh_from_db()
    assert prescription_for(plan, TODAY()).kind == "paused"
    plan_decide(plan=plan, kind="resume", by=physio, rationale="Imaging clear")
    for _ in range(5):
        plan_decide(
            plan=plan,
            kind="advance",
            by=physio,
            criteria_met=all_met(plan, "advance"),
            rationale="criteria met",
        )
    plan_decide(
        plan=plan,
        kind="graduate",
        by=physio,
        criteria_met=all_met(plan, "graduate"),
        rationale="Back to full training",
    )
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert prescription_for(plan, TODAY()).kind == "finished"
    with pytest.raises(ValidationError):
        plan_decide(plan=plan, kind="stop", by=physio, rationale="x")


def test_sessions_advance_steps_but_never_the_stage(tibia_patient, physio):
    start = TODAY() - timedelta(days=20)
    plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=start)
    stage = plan.current_stage
    for i, outcome in enumerate(["pain_free"] * 3 + ["painful", "pain_free"] * 3):
        plan_record_session(plan=plan, day=start + timedelta(days=i), outcome=outcome)
    plan.refresh_from_db()
    assert plan.current_stage == stage  # never without a decision


def test_recording_a_day_twice_replaces_its_outcome(tibia_patient, physio):
    start = TODAY() - timedelta(days=5)
    plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=start)
    plan_record_session(plan=plan, day=start, outcome="pain_free")
    plan_record_session(plan=plan, day=start, outcome="pain_free")
    plan.refresh_from_db()
    assert plan.step_completions == 1
    plan_record_session(plan=plan, day=start, outcome="painful")
    plan.refresh_from_db()
    assert (plan.step_completions, plan.step_failures) == (0, 1)
    assert SessionLog.objects.filter(plan=plan).count() == 1
    with pytest.raises(ValidationError):
        plan_record_session(plan=plan, day=start, outcome="fine")


def test_prescription_over_weeks_follows_pattern_and_steps(tibia_patient, physio):
    start = TODAY() - timedelta(days=30)
    plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=start)
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="ok",
        on=start,
    )
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="ok",
        on=start,
    )  # walk-run, 3 a week, alternate
    plan.refresh_from_db()
    days = [start + timedelta(days=i) for i in range(21)]
    kinds = [prescription_for(plan, d).kind for d in days]
    session_idx = [i for i, k in enumerate(kinds) if k == "session"]
    assert all(b - a >= 2 for a, b in itertools.pairwise(session_idx))
    assert prescription_for(plan, days[0]).title.startswith("Walk 3 / run 1")
    assert prescription_for(plan, start - timedelta(days=1)).kind == "not_started"
    # Two pain-free walk-runs: the next session is the next step.
    plan_record_session(plan=plan, day=days[0], outcome="pain_free")
    plan_record_session(plan=plan, day=days[2], outcome="pain_free")
    plan.refresh_from_db()
    assert prescription_for(plan, days[4]).title.startswith("Walk 2 / run 1")


def test_next_day_pain_skips_the_next_session(tibia_patient, physio):
    start = TODAY() - timedelta(days=10)
    plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=start)
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="ok",
        on=start,
    )
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        criteria_met=all_met(plan, "advance"),
        rationale="ok",
        on=start,
    )
    plan.refresh_from_db()
    plan_record_session(plan=plan, day=start, outcome="next_day_pain")
    plan.refresh_from_db()
    skipped = prescription_for(plan, start + timedelta(days=2))
    assert skipped.kind == "rest" and "skip" in skipped.note
    assert prescription_for(plan, start + timedelta(days=4)).kind == "session"


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    outcomes=st.lists(
        st.sampled_from(["pain_free", "painful", "next_day_pain", "modified", "skipped"]),
        max_size=25,
    )
)
def test_property_sessions_move_a_step_at_most_one_place_and_never_the_stage(
    tibia_patient, physio, outcomes
):
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            start = TODAY() - timedelta(days=40)
            plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=start)
            plan_decide(
                plan=plan,
                kind="advance",
                by=physio,
                criteria_met=all_met(plan, "advance"),
                rationale="ok",
                on=start,
            )
            plan_decide(
                plan=plan,
                kind="advance",
                by=physio,
                criteria_met=all_met(plan, "advance"),
                rationale="ok",
                on=start,
            )
            plan.refresh_from_db()
            stage_id = plan.current_stage_id
            order = plan.current_step.order
            for i, outcome in enumerate(outcomes):
                plan = plan_record_session(
                    plan=plan, day=start + timedelta(days=i), outcome=outcome
                )
                assert plan.current_stage_id == stage_id
                assert abs(plan.current_step.order - order) <= 1
                order = plan.current_step.order
            raise Rollback
    except Rollback:
        pass
