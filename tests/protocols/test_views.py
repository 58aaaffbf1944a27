from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from protocols.models import Plan, ProtocolTemplate, SessionStep, Stage, StageDecision
from protocols.services.plans import plan_assign
from protocols.services.templates import template_retire
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library, make_template

TODAY = timezone.localdate


@pytest.fixture
def tibia_patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Tia", last_name="Tibia")
    make_injury(patient=patient, by=physio, site="tibia_posteromedial")
    return patient


@pytest.fixture
def draft(clinic, physio):
    return make_template(clinic=clinic, by=physio, publish=False, stages=2)


def step_data(**overrides):
    data = {
        "kind": "walk_run",
        "walk_minutes": "2",
        "run_minutes": "1",
        "repetitions": "5",
        "completions_to_advance": "2",
    }
    data.update(overrides)
    return data


def stage_data(**overrides):
    data = {
        "name": "Walk-run",
        "duration_min_weeks": "2",
        "duration_max_weeks": "4",
        "session_days_per_week": "3",
        "no_back_to_back": "on",
        "rest_days_per_week": "1",
    }
    data.update(overrides)
    return data


# --- Library pages ------------------------------------------------------------------------------


def test_template_list_shows_library_and_clinic_templates_and_filters(
    client, physio, draft, other_clinic, outsider
):
    theirs = make_template(clinic=other_clinic, by=outsider, name="Harbour secret protocol")
    client.force_login(physio)
    html = client.get(reverse("protocols:template_list")).content.decode()
    assert "Low-risk tibia or metatarsal" in html and "Clinic protocol" in html
    assert theirs.name not in html
    navicular = client.get(
        reverse("protocols:template_list"), {"site": "navicular"}
    ).content.decode()
    assert "High-risk site" in navicular and "Low-risk tibia" not in navicular
    drafts = client.get(reverse("protocols:template_list"), {"status": "draft"}).content.decode()
    assert "Clinic protocol" in drafts and "Low-risk tibia" not in drafts
    assert (
        client.get(
            reverse("protocols:template_list"), {"status": "bogus", "site": "elbow"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("n", [1, 6])
def test_template_list_queries_are_flat(client, physio, clinic, n, django_assert_num_queries):
    for _ in range(n):
        make_template(clinic=clinic, by=physio, stages=3, steps=3)
    client.force_login(physio)
    # session, user, memberships; templates with their stage counts; unread notifications
    with django_assert_num_queries(5):
        assert client.get(reverse("protocols:template_list")).status_code == 200


@pytest.mark.parametrize(("stages", "steps"), [(1, 1), (6, 5)])
def test_template_detail_queries_are_flat(
    client, physio, clinic, stages, steps, django_assert_num_queries
):
    template = make_template(clinic=clinic, by=physio, stages=stages, steps=steps, publish=False)
    client.force_login(physio)
    # session, user, memberships; template; stages; steps; criteria; versions; publish check
    # (stages, steps, criteria); unread notifications
    with django_assert_num_queries(12):
        assert (
            client.get(reverse("protocols:template_detail", args=[template.public_id])).status_code
            == 200
        )


def test_library_template_detail_shows_stages_steps_and_sources(client, physio):
    client.force_login(physio)
    html = client.get(
        reverse("protocols:template_detail", args=[library().public_id])
    ).content.decode()
    assert (
        "Walk 3 / run 1 × 5 (20 min)" in html
        and 'href="/references/#ref-29">Trials 2023</a>' in html
    )
    assert "[F:29]" not in html
    assert "Shared library (read-only)" in html
    assert "Add a stage" not in html


def test_create_and_edit_a_template(client, physio):
    client.force_login(physio)
    response = client.post(
        reverse("protocols:template_create"),
        {
            "name": "Our fibula pathway",
            "duration_min_weeks": "6",
            "duration_max_weeks": "10",
            "eligible_sites": ["fibula"],
        },
    )
    template = ProtocolTemplate.objects.get(name="Our fibula pathway")
    assert response.status_code == 302 and template.eligible_sites == ["fibula"]
    bad = client.post(
        reverse("protocols:template_edit", args=[template.public_id]),
        {"name": "", "duration_min_weeks": "-1", "duration_max_weeks": "2"},
    )
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"duration_min_weeks": "9", "duration_max_weeks": "2"}, "ends before it starts"),
        ({"duration_min_weeks": "-3", "duration_max_weeks": "2"}, "greater than or equal to 1"),
        ({"eligible_sites": ["elbow"]}, "Select a valid choice"),
        (
            {"eligible_sites": ["fibula"], "excluded_sites": ["fibula"]},
            "both eligible and excluded",
        ),
        ({"max_fredericson_grade": "5"}, "Select a valid choice"),
    ],
)
def test_template_form_bad_input(client, physio, data, message):
    client.force_login(physio)
    response = client.post(
        reverse("protocols:template_create"),
        {"name": "X", "duration_min_weeks": "1", "duration_max_weeks": "2", **data},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProtocolTemplate.objects.filter(name="X").exists()


# --- Editor ------------------------------------------------------------------------------------


def test_add_a_stage_and_a_step_inline_with_htmx(client, physio, draft):
    client.force_login(physio)
    response = client.post(
        reverse("protocols:stage_add", args=[draft.public_id]),
        stage_data(),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="stages"' in response.content.decode() and "<html" not in response.content.decode()
    stage = draft.stages.get(name="Walk-run")
    response = client.post(
        reverse("protocols:step_add", args=[stage.public_id]),
        step_data(label="W2 R1 ×5"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "W2 R1 ×5" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"walk_minutes": "", "run_minutes": ""}, "needs a walk time"),
        ({"repetitions": "0"}, "greater than or equal to 1"),
        ({"walk_minutes": "-2"}, "greater than or equal to 0"),
        ({"completions_to_advance": "0"}, "greater than or equal to 1"),
        ({"kind": "swim"}, "Select a valid choice"),
        ({"target_rpe": "12"}, "less than or equal to 10"),
        ({"run_minutes": "abc"}, "Enter a number"),
    ],
)
def test_step_bad_input_is_swapped_back_with_errors(client, physio, draft, data, message):
    stage = draft.stages.get(order=1)
    before = stage.steps.count()
    client.force_login(physio)
    response = client.post(
        reverse("protocols:step_add", args=[stage.public_id]),
        step_data(**data),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response["HX-Retarget"] == f"#step-form-{stage.public_id.hex}"
    assert stage.steps.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"duration_min_weeks": "-1"}, "greater than or equal to 1"),
        ({"duration_min_weeks": "5", "duration_max_weeks": "2"}, "ends before it starts"),
        ({"session_days_per_week": "0"}, "greater than or equal to 1"),
        ({"session_days_per_week": "6", "no_back_to_back": "on"}, "at most 4"),
        (
            {"session_days_per_week": "4", "no_back_to_back": "", "rest_days_per_week": "4"},
            "more than 7",
        ),
        ({"hold_triggers": ["made_up"]}, "Select a valid choice"),
    ],
)
def test_stage_bad_input(client, physio, draft, data, message):
    client.force_login(physio)
    count = draft.stages.count()
    response = client.post(
        reverse("protocols:stage_add", args=[draft.public_id]), stage_data(**data)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft.stages.count() == count


def test_criterion_numeric_needs_a_threshold(client, physio, draft):
    stage = draft.stages.get(order=1)
    client.force_login(physio)
    bad = client.post(
        reverse("protocols:criterion_add", args=[stage.public_id]),
        {"text": "Walk", "kind": "numeric"},
    )
    assert bad.status_code == 400 and "needs a comparison and a threshold" in bad.content.decode()
    ok = client.post(
        reverse("protocols:criterion_add", args=[stage.public_id]),
        {
            "text": "Walk",
            "kind": "numeric",
            "comparator": "gte",
            "threshold": "30",
            "unit": "min",
            "source": "[F:24]",
        },
    )
    assert ok.status_code == 302
    assert stage.criteria.filter(text="Walk", threshold=30).exists()


def test_edit_stage_and_step_forms(client, physio, draft):
    stage = draft.stages.get(order=1)
    step = stage.steps.get(order=1)
    client.force_login(physio)
    assert (
        client.get(
            reverse("protocols:stage_edit", args=[stage.public_id]), headers={"HX-Request": "true"}
        ).status_code
        == 200
    )
    assert client.get(reverse("protocols:step_edit", args=[step.public_id])).status_code == 200
    client.post(reverse("protocols:stage_edit", args=[stage.public_id]), stage_data(name="Renamed"))
    client.post(reverse("protocols:step_edit", args=[step.public_id]), step_data(run_minutes="3"))
    stage.refresh_from_db()
    step.refresh_from_db()
    assert stage.name == "Renamed" and step.run_minutes == 3


def test_moves_and_deletes(client, physio, draft):
    client.force_login(physio)
    first = draft.stages.get(order=1)
    client.post(
        reverse("protocols:stage_move", args=[first.public_id]),
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )
    first.refresh_from_db()
    assert first.order == 2
    bad = client.post(
        reverse("protocols:stage_move", args=[first.public_id]), {"direction": "sideways"}
    )
    assert bad.status_code == 302
    first.refresh_from_db()
    assert first.order == 2
    step = first.steps.get(order=2)
    client.post(reverse("protocols:step_delete", args=[step.public_id]))
    assert not SessionStep.objects.filter(pk=step.pk).exists()
    client.post(reverse("protocols:stage_delete", args=[first.public_id]))
    assert not Stage.objects.filter(pk=first.pk).exists()


def test_a_published_template_is_frozen_in_the_editor(client, physio, clinic):
    template = make_template(clinic=clinic, by=physio)
    stage = template.stages.get(order=1)
    client.force_login(physio)
    response = client.post(
        reverse("protocols:step_add", args=[stage.public_id]),
        step_data(),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "frozen" in response.content.decode()
    assert stage.steps.count() == 2
    edit = client.get(reverse("protocols:template_edit", args=[template.public_id]))
    assert edit.status_code == 302


def test_library_content_is_403_in_the_editor(client, physio):
    stage = library().stages.get(order=1)
    client.force_login(physio)
    assert (
        client.post(reverse("protocols:step_add", args=[stage.public_id]), step_data()).status_code
        == 403
    )
    assert (
        client.post(reverse("protocols:template_publish", args=[library().public_id])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("protocols:stage_add", args=[library().public_id]), stage_data()
        ).status_code
        == 403
    )


def test_publish_with_a_stage_without_steps_is_refused(client, physio, clinic):
    template = make_template(clinic=clinic, by=physio, publish=False, stages=1, steps=0)
    client.force_login(physio)
    response = client.post(reverse("protocols:template_publish", args=[template.public_id]))
    assert response.status_code == 409
    assert "has no session steps" in response.content.decode()
    template.refresh_from_db()
    assert template.status == "draft"


def test_publish_new_version_retire_and_clone_through_pages(client, physio, clinic):
    template = make_template(clinic=clinic, by=physio, publish=False)
    client.force_login(physio)
    client.post(reverse("protocols:template_publish", args=[template.public_id]))
    template.refresh_from_db()
    assert template.status == "published"
    response = client.post(reverse("protocols:template_new_version", args=[template.public_id]))
    v2 = ProtocolTemplate.objects.get(family=template.family, version=2)
    assert response["Location"] == reverse("protocols:template_detail", args=[v2.public_id])
    client.post(reverse("protocols:template_retire", args=[template.public_id]))
    template.refresh_from_db()
    assert template.status == "retired"
    client.post(reverse("protocols:template_clone", args=[library().public_id]))
    assert ProtocolTemplate.objects.filter(clinic=clinic, name__startswith="Copy of").exists()


# --- Assignment and plan pages ---------------------------------------------------------------------


def test_assign_page_suggests_fitting_templates_first(client, physio, tibia_patient):
    client.force_login(physio)
    html = client.get(
        reverse("protocols:plan_assign", args=[tibia_patient.public_id])
    ).content.decode()
    assert html.index("Low-risk tibia") < html.index("High-risk site")
    assert "Fits this injury" in html and "Does not fit" in html


def test_assigning_a_low_risk_template_to_a_navicular_warns_and_needs_a_reason(
    client, physio, clinic
):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio, site="navicular")
    client.force_login(physio)
    url = reverse("protocols:plan_assign", args=[patient.public_id])
    response = client.post(
        url, {"template": str(library().public_id), "start_date": TODAY().isoformat()}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "not Tarsal navicular" in text and "Give your reason" in text
    assert not Plan.objects.exists()
    ok = client.post(
        url,
        {
            "template": str(library().public_id),
            "start_date": TODAY().isoformat(),
            "override_reason": "Specialist agrees",
        },
    )
    assert ok.status_code == 302
    assert Plan.objects.get().eligibility_override_reason == "Specialist agrees"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"template": "not-a-uuid"}, "Enter a valid UUID"),
        (
            {"template": "00000000-0000-0000-0000-000000000000"},
            "Choose one of the templates listed",
        ),
        ({"start_date": "2999-01-01"}, "more than 90 days ahead"),
        ({"start_date": "2001-01-01"}, "more than two weeks in the past"),
        ({"start_date": ""}, "This field is required"),
    ],
)
def test_assign_bad_input(client, physio, tibia_patient, data, message):
    client.force_login(physio)
    post = {"template": str(library().public_id), "start_date": TODAY().isoformat(), **data}
    response = client.post(reverse("protocols:plan_assign", args=[tibia_patient.public_id]), post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Plan.objects.exists()


def test_posting_a_template_of_another_clinic_is_refused(
    client, physio, tibia_patient, other_clinic, outsider
):
    theirs = make_template(clinic=other_clinic, by=outsider)
    client.force_login(physio)
    response = client.post(
        reverse("protocols:plan_assign", args=[tibia_patient.public_id]),
        {
            "template": str(theirs.public_id),
            "start_date": TODAY().isoformat(),
            "override_reason": "x",
        },
    )
    assert response.status_code == 400
    assert "Choose one of the templates listed" in response.content.decode()
    assert not Plan.objects.exists()


def test_a_retired_template_is_not_offered_and_cannot_be_posted(
    client, physio, tibia_patient, clinic
):
    template = make_template(clinic=clinic, by=physio, name="Old pathway")
    template_retire(template=template)
    client.force_login(physio)
    url = reverse("protocols:plan_assign", args=[tibia_patient.public_id])
    assert "Old pathway" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "template": str(template.public_id),
            "start_date": TODAY().isoformat(),
            "override_reason": "x",
        },
    )
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_draft_plan_page_adjusts_and_confirms(client, physio, tibia_patient):
    client.force_login(physio)
    client.post(
        reverse("protocols:plan_assign", args=[tibia_patient.public_id]),
        {"template": str(library().public_id), "start_date": TODAY().isoformat()},
    )
    plan = Plan.objects.get()
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert "Confirm and start the plan" in page and "Add a stage" in page
    stage = plan.content.stages.get(order=3)
    client.post(
        reverse("protocols:stage_edit", args=[stage.public_id]),
        stage_data(name=stage.name, duration_min_weeks="1", duration_max_weeks="2"),
    )
    client.post(reverse("protocols:plan_confirm", args=[plan.public_id]))
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.content.stages.get(order=3).duration_max_weeks == 2


def test_confirming_a_plan_prompts_to_invite_an_athlete_without_an_account(
    client, physio, tibia_patient, athlete
):
    client.force_login(physio)
    plan = plan_assign(patient=tibia_patient, template=library(), start_date=TODAY(), by=physio)
    response = client.post(reverse("protocols:plan_confirm", args=[plan.public_id]), follow=True)
    page = response.content.decode()
    assert "The athlete has no account yet: invite them below to start." in page
    prompt = page.split('id="invite-prompt"')[1].split("</div>")[0]
    assert reverse("patients:invite", args=[tibia_patient.public_id]) in prompt
    assert tibia_patient.contact_email in prompt
    # With an account, no prompt.
    tibia_patient.user = athlete
    tibia_patient.save(update_fields=["user"])
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert 'id="invite-prompt"' not in page


# session, user, memberships; plan with patient, template, stage and step; content with its
# stages, steps and criteria; the last session log before each session day of today and the
# next 7 days (a fixed pattern, whatever the number of stages and steps); decisions; unread
# notifications (the bell).
PLAN_PAGE_QUERIES = 14


@pytest.mark.parametrize(("stages", "steps"), [(1, 1), (6, 5)])
def test_plan_page_queries_are_flat(
    client, physio, clinic, tibia_patient, stages, steps, django_assert_num_queries
):
    template = make_template(
        clinic=clinic, by=physio, stages=stages, steps=steps, eligible_risk="low"
    )
    plan = active_plan(patient=tibia_patient, template=template, by=physio)
    client.force_login(physio)
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        assert (
            client.get(reverse("protocols:plan_detail", args=[plan.public_id])).status_code == 200
        )


def test_decision_form_records_criteria_and_rationale(client, physio, tibia_patient):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    client.force_login(physio)
    next_stage = plan.content.stages.get(order=2)
    crit = {f"criterion_{c.pk}": "on" for c in next_stage.criteria.filter(kind="yes_no")}
    crit.update({f"criterion_{c.pk}": "0" for c in next_stage.criteria.filter(kind="numeric")})
    response = client.post(
        reverse("protocols:plan_decide", args=[plan.public_id]),
        {"kind": "advance", "rationale": "All met", **crit},
    )
    assert response.status_code == 302
    decision = StageDecision.objects.filter(plan=plan, kind="advance").get()
    assert (
        decision.criteria_summary == f"{next_stage.criteria.count()}/{next_stage.criteria.count()}"
    )
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert "All met" in page and "criteria met 2/2" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "advance", "rationale": ""}, "This field is required"),
        ({"kind": "teleport", "rationale": "x"}, "Select a valid choice"),
        ({"kind": "regress", "rationale": "x"}, "no earlier stage"),
        ({"kind": "resume", "rationale": "x"}, "not possible"),
    ],
)
def test_decision_bad_input(client, physio, tibia_patient, data, message):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio)
    client.force_login(physio)
    response = client.post(reverse("protocols:plan_decide", args=[plan.public_id]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert plan.decisions.count() == 1


def test_patient_page_plan_section_shows_plan_today_and_next_criteria(
    client, physio, tibia_patient
):
    plan = active_plan(patient=tibia_patient, template=library(), by=physio, start=TODAY())
    client.force_login(physio)
    html = client.get(
        reverse("protocols:patient_plan_section", args=[tibia_patient.public_id])
    ).content.decode()
    assert plan.content.name in html
    assert "Stage 1 of 6" in html
    assert "Next stage: Walking tolerance &amp; loading" in html
    assert "Pain with daily activities" in html
    detail = client.get(reverse("patients:detail", args=[tibia_patient.public_id])).content.decode()
    assert reverse("protocols:patient_plan_section", args=[tibia_patient.public_id]) in detail


def test_written_plan_for_physio_and_athlete(client, physio, clinic, athlete):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio, start=TODAY() - timedelta(days=2))
    plan = Plan.objects.get()
    client.force_login(physio)
    html = client.get(reverse("protocols:plan_print", args=[plan.public_id])).content.decode()
    for text in [
        "Stop and contact your physio",
        "This week",
        "Next week",
        "Calcium",
        "Sleep",
        physio.email,
        "css/print.css",
    ]:
        assert text in html, text
    client.force_login(athlete)
    mine = client.get(reverse("protocols:my_plan"))
    assert mine.status_code == 200 and "Stop and contact your physio" in mine.content.decode()
    home = client.get(reverse("athlete_home")).content.decode()
    assert "Today&#x27;s session" in home or "Today's session" in home
    assert client.get(reverse("protocols:plan_print", args=[plan.public_id])).status_code == 403


def test_athlete_without_plan_sees_a_clear_page(client, athlete):
    client.force_login(athlete)
    assert (
        "has not assigned your plan yet"
        in client.get(reverse("protocols:my_plan")).content.decode()
    )
