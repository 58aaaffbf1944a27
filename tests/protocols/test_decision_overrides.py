"""Forward decisions against their criteria, and specialist sign-off (issue 13)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from protocols.models import Plan, ProtocolTemplate, SpecialistSignOff, StageDecision
from protocols.services.decisions import plan_decide, record_specialist_signoff
from protocols.services.plans import plan_assign, plan_confirm
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, all_met, library

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio, site="tibia_posteromedial", fredericson_grade="3")
    return active_plan(patient=patient, template=library(), by=physio)


def decide(client, plan, **data):
    return client.post(reverse("protocols:plan_decide", args=[plan.public_id]), data)


def test_advancing_with_unmet_criteria_and_no_reason_is_refused_and_nothing_saved(
    client, physio, plan
):
    client.force_login(physio)
    response = decide(client, plan, kind="advance", rationale="Looks fine")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not met:" in page and "Give your reason to go ahead anyway" in page
    plan.refresh_from_db()
    assert plan.current_stage.order == 1
    assert not StageDecision.objects.filter(plan=plan, kind="advance").exists()


def test_advancing_with_unmet_criteria_and_a_reason_is_an_override_on_the_timeline(
    client, physio, plan
):
    client.force_login(physio)
    response = decide(
        client,
        plan,
        kind="advance",
        rationale="Walking pain-free in clinic",
        override_reason="Seen in clinic today: tenderness gone, athlete travels for 3 weeks",
    )
    assert response.status_code == 302
    decision = StageDecision.objects.get(plan=plan, kind="advance")
    assert decision.override_reason.startswith("Seen in clinic today")
    assert decision.unmet_criteria  # the unmet criteria are kept with it
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert "Override: criteria not met" in page
    assert decision.unmet_criteria[0] in page
    assert "athlete travels for 3 weeks" in page


def test_all_criteria_met_needs_no_override_and_records_none(physio, plan):
    plan_decide(
        plan=plan,
        kind="advance",
        by=physio,
        rationale="All met",
        criteria_met=all_met(plan),
        override_reason="ignored: nothing was unmet",
    )
    assert StageDecision.objects.get(plan=plan, kind="advance").override_reason == ""


def test_graduating_needs_the_return_to_sport_checklist_or_a_reason(physio, plan):
    for _ in range(plan.content.stages.count() - 1):
        plan_decide(
            plan=plan, kind="advance", by=physio, rationale="ok", criteria_met=all_met(plan)
        )
    with pytest.raises(ValidationError) as refused:
        plan_decide(plan=plan, kind="graduate", by=physio, rationale="Back racing")
    assert "override_reason" in refused.value.message_dict
    plan_decide(
        plan=plan,
        kind="graduate",
        by=physio,
        rationale="Back racing",
        criteria_met=all_met(plan, "graduate"),
    )
    plan.refresh_from_db()
    assert plan.status == "completed"


def test_the_decision_menu_preselects_nothing(client, physio, plan):
    client.force_login(physio)
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    menu = page[page.index('name="kind"') : page.index("</select>", page.index('name="kind"'))]
    assert '<option value="" selected>' in menu
    assert 'value="advance" selected' not in menu


@pytest.fixture
def high_risk_plan(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio, site="navicular", fredericson_grade="3")
    template = ProtocolTemplate.objects.get(
        clinic=None, code="high_risk_conservative", is_plan_copy=False
    )
    return plan_assign(
        patient=patient, template=template, start_date=timezone.localdate(), by=physio
    )


def test_the_library_high_risk_pathway_needs_sign_off_before_loading_and_running(
    high_risk_plan,
):
    stages = {s.name: s.requires_specialist_signoff for s in high_risk_plan.content.stages.all()}
    assert high_risk_plan.content.requires_specialist_signoff
    assert stages["Graduated weight bearing"] and stages["Walk-run (ground)"]
    assert not stages["Strict protection"]


def test_a_sign_off_stage_cannot_be_entered_without_the_sign_off(client, physio, high_risk_plan):
    with pytest.raises(ValidationError, match="sign-off"):
        plan_confirm(plan=high_risk_plan, by=physio)
    client.force_login(physio)
    url = reverse("protocols:plan_signoff", args=[high_risk_plan.public_id])
    # Bad input: no name, a future date: 400, nothing saved.
    tomorrow = timezone.localdate().toordinal() + 1
    for bad in (
        {"stage": "plan", "specialist": "", "signed_on": timezone.localdate().isoformat()},
        {
            "stage": "plan",
            "specialist": "Dr K",
            "signed_on": timezone.localdate().fromordinal(tomorrow).isoformat(),
        },
        {"stage": "not-a-stage", "specialist": "Dr K", "signed_on": "2026-01-01"},
    ):
        assert client.post(url, bad).status_code == 400
    assert not SpecialistSignOff.objects.exists()
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"stage": "plan", "specialist": "Dr A. Khan, orthopaedics", "signed_on": today}
    )
    assert response.status_code == 302
    plan = plan_confirm(plan=high_risk_plan, by=physio)
    with pytest.raises(ValidationError, match="needs a specialist's sign-off first"):
        plan_decide(
            plan=plan, kind="advance", by=physio, rationale="ok", criteria_met=all_met(plan)
        )
    plan.refresh_from_db()
    assert plan.current_stage.order == 1
    stage = plan.content.stages.get(name="Graduated weight bearing")
    client.post(
        url, {"stage": str(stage.public_id), "specialist": "Dr A. Khan", "signed_on": today}
    )
    plan_decide(plan=plan, kind="advance", by=physio, rationale="ok", criteria_met=all_met(plan))
    plan.refresh_from_db()
    assert plan.current_stage == stage
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert "Dr A. Khan" in page and "Specialist sign-off" in page


def test_a_coach_does_not_see_the_sign_off_section(client, coach, physio, high_risk_plan):
    from patients.models import CareTeamMember

    record_specialist_signoff(
        plan=high_risk_plan,
        by=physio,
        specialist="Dr Hidden",
        signed_on=timezone.localdate(),
        note="Imaging: union",
    )
    plan = plan_confirm(plan=high_risk_plan, by=physio)
    CareTeamMember.objects.create(patient=plan.patient, user=coach, role="coach")
    client.force_login(coach)
    page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert "Imaging: union" not in page and "Dr Hidden" not in page
    assert Plan.objects.get(pk=plan.pk).status == "active"
