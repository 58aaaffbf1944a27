"""Access matrix for every patients page: role x own / other clinic.

Expected: physio and lead of the clinic may use every page; a coach reads the list and the
detail of the patients they are on the care team of (403 on every edit, no clinical notes);
an athlete gets 403 on staff pages; staff of another clinic get 404 for this clinic's
objects; anonymous users are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import CareTeamMember
from rtr.accounts.models import Role
from tests.patients.factories import make_injury, make_patient

# (url name, which object, method)
PAGES = [
    ("patients:detail", "patient", "get"),
    ("patients:edit", "patient", "get"),
    ("patients:discharge", "patient", "get"),
    ("patients:injury_create", "patient", "get"),
    ("patients:triad_create", "patient", "get"),
    ("patients:care_team", "patient", "get"),
    ("patients:prior_injury_add", "patient", "post"),
    ("patients:invite", "patient", "post"),
    ("patients:injury_edit", "injury", "get"),
    ("patients:imaging_add", "injury", "post"),
]
READ_PAGES = {"patients:detail"}


@pytest.fixture
def record(clinic, physio, coach):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Rita", last_name="Record")
    injury = make_injury(patient=patient, by=physio, notes="Tender over the posteromedial border")
    CareTeamMember.objects.create(patient=patient, user=coach, role=Role.COACH)
    return {"patient": patient.public_id, "injury": injury.public_id}


def _call(client, name, kind, method, record):
    url = reverse(name, args=[record[kind]])
    return client.post(url, {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
@pytest.mark.parametrize("persona", ["lead", "physio"])
def test_clinical_staff_of_the_clinic_may_use_every_page(
    client, request, record, persona, name, kind, method
):
    client.force_login(request.getfixturevalue(persona))
    assert _call(client, name, kind, method, record).status_code not in {403, 404, 500}


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
@pytest.mark.parametrize("persona", ["outsider", "outsider_lead"])
def test_staff_of_another_clinic_get_404(client, request, record, persona, name, kind, method):
    client.force_login(request.getfixturevalue(persona))
    assert _call(client, name, kind, method, record).status_code == 404


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
def test_coach_reads_but_never_edits(client, coach, record, name, kind, method):
    client.force_login(coach)
    expected = 200 if name in READ_PAGES else 403
    assert _call(client, name, kind, method, record).status_code == expected


def test_coach_sees_no_clinical_notes(client, coach, record):
    client.force_login(coach)
    html = client.get(reverse("patients:detail", args=[record["patient"]])).content.decode()
    assert "Rita Record" in html
    assert "posteromedial border" not in html
    assert "Bone health" not in html
    assert "Date of birth" not in html


def test_coach_cannot_see_patients_outside_their_care_teams(client, coach, clinic, physio):
    other = make_patient(clinic=clinic, physio=physio, first_name="Nora", last_name="Notmine")
    client.force_login(coach)
    assert client.get(reverse("patients:detail", args=[other.public_id])).status_code == 404
    assert "Notmine" not in client.get(reverse("patients:list")).content.decode()


@pytest.mark.parametrize(
    ("name", "kind", "method"),
    [*PAGES, ("patients:list", None, "get"), ("patients:create", None, "get")],
)
def test_athlete_gets_403_on_staff_pages(client, athlete, record, name, kind, method):
    client.force_login(athlete)
    url = reverse(name, args=[record[kind]]) if kind else reverse(name)
    response = client.post(url, {}) if method == "post" else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "kind", "method"),
    [*PAGES, ("patients:list", None, "get"), ("patients:create", None, "get")],
)
def test_anonymous_is_sent_to_sign_in(client, record, name, kind, method):
    url = reverse(name, args=[record[kind]]) if kind else reverse(name)
    response = client.post(url, {}) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_coach_cannot_register_patients(client, coach):
    client.force_login(coach)
    assert client.get(reverse("patients:create")).status_code == 403


def test_list_shows_only_own_clinic(client, outsider, record):
    client.force_login(outsider)
    assert "Rita" not in client.get(reverse("patients:list")).content.decode()


def test_malformed_ids_are_404(client, physio):
    client.force_login(physio)
    for path in ["/patients/nope/", "/patients/123/edit/", "/patients/injuries/xyz/edit/"]:
        assert client.get(path).status_code == 404


def test_coach_of_another_clinic_gets_404_on_detail_and_403_on_edits(client, other_clinic, record):
    from tests.factories import make_member

    other_coach = make_member(clinic=other_clinic, role=Role.COACH)
    client.force_login(other_coach)
    assert client.get(reverse("patients:detail", args=[record["patient"]])).status_code == 404
    assert client.get(reverse("patients:edit", args=[record["patient"]])).status_code == 403
    assert "Rita" not in client.get(reverse("patients:list")).content.decode()
