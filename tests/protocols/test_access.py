"""Access matrix for every protocols page: role x own / other clinic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import CareTeamMember
from rtr.accounts.models import Role
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library, make_template

# (url name, object, method, coach may read)
PAGES = [
    ("protocols:template_detail", "template", "get", False),
    ("protocols:template_edit", "draft", "get", False),
    ("protocols:template_publish", "draft", "post", False),
    ("protocols:template_retire", "template", "post", False),
    ("protocols:template_new_version", "template", "post", False),
    ("protocols:template_clone", "template", "post", False),
    ("protocols:stage_add", "draft", "post", False),
    ("protocols:stage_edit", "stage", "get", False),
    ("protocols:stage_delete", "stage", "post", False),
    ("protocols:stage_move", "stage", "post", False),
    ("protocols:step_add", "stage", "post", False),
    ("protocols:criterion_add", "stage", "post", False),
    ("protocols:step_edit", "step", "get", False),
    ("protocols:step_delete", "step", "post", False),
    ("protocols:step_move", "step", "post", False),
    ("protocols:criterion_delete", "criterion", "post", False),
    ("protocols:plan_assign", "patient2", "get", False),
    ("protocols:patient_plan_section", "patient", "get", True),
    ("protocols:plan_detail", "plan", "get", True),
    ("protocols:plan_print", "plan", "get", True),
    ("protocols:plan_confirm", "plan", "post", False),
    ("protocols:plan_discard", "plan", "post", False),
    ("protocols:plan_decide", "plan", "post", False),
]


@pytest.fixture
def objects(clinic, physio, coach):
    template = make_template(clinic=clinic, by=physio)
    draft = make_template(clinic=clinic, by=physio, publish=False)
    stage = draft.stages.get(order=1)
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    CareTeamMember.objects.create(patient=patient, user=coach, role=Role.COACH)
    plan = active_plan(patient=patient, template=library(), by=physio)
    patient2 = make_patient(clinic=clinic, physio=physio)
    return {
        "template": template.public_id,
        "draft": draft.public_id,
        "stage": stage.public_id,
        "step": stage.steps.first().public_id,
        "criterion": stage.criteria.first().public_id,
        "patient": patient.public_id,
        "patient2": patient2.public_id,
        "plan": plan.public_id,
    }


def call(client, name, kind, method, objects):
    url = reverse(name, args=[objects[kind]])
    return client.post(url, {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "kind", "method", "coach_reads"), PAGES)
@pytest.mark.parametrize("persona", ["lead", "physio"])
def test_clinical_staff_use_every_page(
    client, request, objects, persona, name, kind, method, coach_reads
):
    client.force_login(request.getfixturevalue(persona))
    assert call(client, name, kind, method, objects).status_code not in {403, 404, 500}


@pytest.mark.parametrize(("name", "kind", "method", "coach_reads"), PAGES)
@pytest.mark.parametrize("persona", ["outsider", "outsider_lead"])
def test_staff_of_another_clinic_get_404(
    client, request, objects, persona, name, kind, method, coach_reads
):
    client.force_login(request.getfixturevalue(persona))
    assert call(client, name, kind, method, objects).status_code == 404


@pytest.mark.parametrize(("name", "kind", "method", "coach_reads"), PAGES)
def test_coach_reads_plans_of_their_patients_and_nothing_else(
    client, coach, objects, name, kind, method, coach_reads
):
    client.force_login(coach)
    assert call(client, name, kind, method, objects).status_code == (200 if coach_reads else 403)


@pytest.mark.parametrize(("name", "kind", "method", "coach_reads"), PAGES)
def test_athlete_gets_403(client, athlete, objects, name, kind, method, coach_reads):
    client.force_login(athlete)
    assert call(client, name, kind, method, objects).status_code == 403


@pytest.mark.parametrize(("name", "kind", "method", "coach_reads"), PAGES)
def test_anonymous_goes_to_sign_in(client, objects, name, kind, method, coach_reads):
    response = call(client, name, kind, method, objects)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["protocols:template_list", "protocols:template_create"])
@pytest.mark.parametrize(
    ("persona", "status"), [("physio", 200), ("lead", 200), ("coach", 403), ("athlete", 403)]
)
def test_library_pages_by_role(client, request, name, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == status


def test_the_shared_library_is_visible_to_every_clinic(client, outsider):
    client.force_login(outsider)
    assert (
        client.get(reverse("protocols:template_detail", args=[library().public_id])).status_code
        == 200
    )


def test_another_athlete_never_sees_the_plan(client, other_athlete, objects):
    client.force_login(other_athlete)
    assert (
        "has not assigned your plan yet"
        in client.get(reverse("protocols:my_plan")).content.decode()
    )


def test_coach_sees_no_clinical_decision_form(client, coach, objects):
    client.force_login(coach)
    html = client.get(reverse("protocols:plan_detail", args=[objects["plan"]])).content.decode()
    assert "Record the decision" not in html
