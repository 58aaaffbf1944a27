from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patients.models import (
    AthleteInvitation,
    ImagingEntry,
    Injury,
    Patient,
    PriorInjury,
    TriadScreen,
)
from rtr.accounts.models import User
from tests.patients.factories import make_injury, make_patient

TODAY = timezone.localdate


def patient_post(physio, **overrides):
    data = {
        "first_name": "Nadia",
        "last_name": "Navicular",
        "date_of_birth": "2001-03-04",
        "sex": "female",
        "sport": "Running",
        "discipline": "1500 m",
        "pre_injury_weekly_km": "55",
        "pre_injury_weekly_minutes": "300",
        "contact_email": "nadia@example.org",
        "assigned_physio": str(physio.pk),
        "status": "active",
        "consent_given": "on",
    }
    data.update(overrides)
    return data


def injury_post(**overrides):
    data = {
        "site": "navicular",
        "side": "right",
        "first_symptoms_on": (TODAY() - timedelta(days=30)).isoformat(),
        "diagnosed_on": (TODAY() - timedelta(days=20)).isoformat(),
        "fredericson_grade": "3",
        "weight_bearing": "nwb",
        "walking_aid": "crutches",
    }
    data.update(overrides)
    return data


@pytest.fixture
def patient(clinic, physio):
    return make_patient(clinic=clinic, physio=physio)


# --- Patient form ------------------------------------------------------------------------------


def test_register_a_patient_then_record_the_injury(client, physio):
    client.force_login(physio)
    response = client.post(reverse("patients:create"), patient_post(physio))
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:injury_create", args=[patient.public_id])
    assert patient.consent_recorded_by == physio


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "cannot be in the future"),
        ("date_of_birth", "1800-01-01", "Check the year of birth"),
        ("date_of_birth", "31/02/2000", "Enter a valid date"),
        ("contact_email", "not-an-email", "valid email"),
        ("first_name", "", "This field is required"),
        ("sex", "unicorn", "Select a valid choice"),
        ("pre_injury_weekly_km", "-5", "greater than or equal to 0"),
        ("pre_injury_weekly_km", "abc", "Enter a number"),
        ("pre_injury_weekly_minutes", "99999", "less than or equal to 3000"),
        ("status", "archived", "Select a valid choice"),
    ],
)
def test_patient_form_bad_input(client, physio, field, value, message):
    client.force_login(physio)
    response = client.post(reverse("patients:create"), patient_post(physio, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_assigned_physio_from_another_clinic_is_refused(client, physio, outsider):
    client.force_login(physio)
    response = client.post(
        reverse("patients:create"), patient_post(physio, assigned_physio=str(outsider.pk))
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Patient.objects.exists()


def test_edit_and_withdraw_consent(client, physio, patient):
    client.force_login(physio)
    data = patient_post(physio, first_name="Renamed", consent_given="")
    response = client.post(reverse("patients:edit", args=[patient.public_id]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.first_name == "Renamed" and patient.consent_given_at is None


def test_discharge(client, physio, patient):
    client.force_login(physio)
    assert client.get(reverse("patients:discharge", args=[patient.public_id])).status_code == 200
    client.post(reverse("patients:discharge", args=[patient.public_id]))
    patient.refresh_from_db()
    assert patient.status == "discharged" and patient.discharged_at is not None
    again = client.post(reverse("patients:discharge", args=[patient.public_id]), follow=True)
    assert "already discharged" in again.content.decode()


# --- Injury form -------------------------------------------------------------------------------


def test_injury_page_shows_derived_risk_and_expected_return(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        reverse("patients:injury_create", args=[patient.public_id]), injury_post()
    )
    assert response.status_code == 302
    html = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "High risk (orthopaedic)" in html
    assert 'id="bone-health-flag"' not in html
    assert "about 127 days" in html and "Hoenig 2023" in html and "/references/#ref-12" in html


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"diagnosed_on": (TODAY() - timedelta(days=40)).isoformat()}, "before the first symptoms"),
        (
            {"first_symptoms_on": (TODAY() + timedelta(days=2)).isoformat()},
            "cannot be in the future",
        ),
        ({"diagnosed_on": (TODAY() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
        ({"site": "elbow"}, "Select a valid choice"),
        ({"fredericson_grade": "5"}, "Select a valid choice"),
        ({"arendt_grade": "0"}, "Select a valid choice"),
        ({"kaeding_miller_grade": "VI"}, "Select a valid choice"),
        ({"side": "middle"}, "Select a valid choice"),
        (
            {"fracture_extent_pct": "150", "site": "femoral_neck_compression"},
            "less than or equal to 100",
        ),
        ({"fracture_extent_pct": "20"}, "femoral-neck injuries only"),
        ({"displacement_mm": "-1"}, "greater than or equal to 0"),
        ({"site": "mt5", "metatarsal_zone": ""}, "Choose the zone"),
        ({"risk_override": "low"}, "Give the reason"),
        ({"risk_override": "medium", "risk_override_reason": "x"}, "Select a valid choice"),
        ({"site": "other"}, "no default risk category"),
        ({"first_symptoms_on": ""}, "This field is required"),
    ],
)
def test_injury_form_bad_input(client, physio, patient, overrides, field_message):
    client.force_login(physio)
    response = client.post(
        reverse("patients:injury_create", args=[patient.public_id]), injury_post(**overrides)
    )
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Injury.objects.exists()


def test_override_with_reason_is_shown_with_who(client, physio, patient):
    client.force_login(physio)
    client.post(
        reverse("patients:injury_create", args=[patient.public_id]),
        injury_post(
            risk_override="low", risk_override_reason="K-M II, no fracture line; specialist agrees"
        ),
    )
    html = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "Risk overridden (derived: High risk)" in html
    assert "specialist agrees" in html


def test_edit_injury_keeps_values(client, physio, patient):
    injury = make_injury(
        patient=patient, by=physio, site="mt5", metatarsal_zone="proximal_diaphysis"
    )
    client.force_login(physio)
    page = client.get(reverse("patients:injury_edit", args=[injury.public_id])).content.decode()
    assert 'value="proximal_diaphysis" selected' in page
    response = client.post(
        reverse("patients:injury_edit", args=[injury.public_id]),
        injury_post(site="mt5", metatarsal_zone="shaft"),
    )
    assert response.status_code == 302
    injury.refresh_from_db()
    assert injury.risk_category == "low"


# --- Imaging (HTMX) ----------------------------------------------------------------------------


def test_imaging_added_inline_with_htmx(client, physio, patient):
    injury = make_injury(patient=patient, by=physio)
    client.force_login(physio)
    response = client.post(
        reverse("patients:imaging_add", args=[injury.public_id]),
        {
            "modality": "mri",
            "taken_on": TODAY().isoformat(),
            "grade": "Fredericson 3",
            "note": "marrow oedema",
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "marrow oedema" in html
    assert ImagingEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"modality": "pet", "taken_on": "2024-01-01"}, "Select a valid choice"),
        ({"modality": "mri", "taken_on": "2999-01-01"}, "cannot be in the future"),
        ({"modality": "mri", "taken_on": "yesterday"}, "Enter a valid date"),
        ({"modality": "mri"}, "This field is required"),
        ({"modality": "mri", "taken_on": "2024-01-01", "note": "x" * 301}, "at most 300"),
    ],
)
def test_imaging_bad_input(client, physio, patient, data, message):
    injury = make_injury(patient=patient, by=physio)
    client.force_login(physio)
    response = client.post(
        reverse("patients:imaging_add", args=[injury.public_id]),
        data,
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImagingEntry.objects.exists()


def test_imaging_without_htmx_redirects_with_a_message(client, physio, patient):
    injury = make_injury(patient=patient, by=physio)
    client.force_login(physio)
    response = client.post(
        reverse("patients:imaging_add", args=[injury.public_id]), {"modality": "pet"}, follow=True
    )
    assert "was not saved" in response.content.decode()
    assert not ImagingEntry.objects.exists()


# --- Prior injuries, screens, care team ----------------------------------------------------------


def test_prior_injury_add_and_bad_input(client, physio, patient):
    client.force_login(physio)
    url = reverse("patients:prior_injury_add", args=[patient.public_id])
    assert (
        client.post(
            url, {"site": "fibula", "occurred_on": "2022-05-01", "weeks_lost": "8"}
        ).status_code
        == 302
    )
    bad = client.post(url, {"site": "fibula", "occurred_on": "2999-05-01"})
    assert bad.status_code == 303
    assert PriorInjury.objects.count() == 1
    before_birth = client.post(url, {"site": "fibula", "occurred_on": "1901-01-01"}, follow=True)
    assert "before the date of birth" in before_birth.content.decode()
    assert PriorInjury.objects.count() == 1


def triad_post(**overrides):
    data = {
        "screened_on": TODAY().isoformat(),
        "low_energy_availability": "1",
        "low_bmi": "0",
        "delayed_menarche": "0",
        "oligo_amenorrhoea": "1",
        "low_bmd": "0",
        "stress_reaction": "1",
    }
    data.update(overrides)
    return data


def test_triad_screen_scoring_3_is_provisional(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        reverse("patients:triad_create", args=[patient.public_id]), triad_post(), follow=True
    )
    assert "3 points" in response.content.decode()
    assert "Provisional or limited clearance" in response.content.decode()
    assert TriadScreen.objects.get().clearance == "provisional"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"low_bmd": "3"}, "Select a valid choice"),
        ({"low_bmi": ""}, "This field is required"),
        ({"screened_on": "2999-01-01"}, "cannot be dated in the future"),
        ({"stress_reaction": "two"}, "Select a valid choice"),
    ],
)
def test_triad_bad_input(client, physio, patient, overrides, message):
    client.force_login(physio)
    response = client.post(
        reverse("patients:triad_create", args=[patient.public_id]), triad_post(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TriadScreen.objects.exists()


def test_care_team_edit_and_a_user_of_another_clinic_is_refused(
    client, physio, coach, lead, outsider, patient
):
    client.force_login(physio)
    url = reverse("patients:care_team", args=[patient.public_id])
    assert (
        client.post(url, {"members": [str(coach.public_id), str(lead.public_id)]}).status_code
        == 302
    )
    assert set(patient.care_team.values_list("user__email", flat=True)) == {coach.email, lead.email}
    bad = client.post(url, {"members": [str(outsider.public_id)]})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
    assert patient.care_team.count() == 2


# --- Invitations -----------------------------------------------------------------------------


def test_invite_then_duplicate_invitation_after_acceptance_is_409(
    client, physio, patient, django_capture_on_commit_callbacks
):
    client.force_login(physio)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("patients:invite", args=[patient.public_id]))
    assert len(mail.outbox) == 1
    token = mail.outbox[0].body.split("/invite/")[1].split("/")[0]
    anon = client.__class__()
    page = anon.get(reverse("invitation_accept", args=[token]))
    assert page.status_code == 200
    done = anon.post(
        reverse("invitation_accept", args=[token]),
        {"password1": "long-enough-pass-7", "password2": "long-enough-pass-7"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("athlete_home")
    assert anon.get(reverse("athlete_home")).status_code == 200
    again = client.post(reverse("patients:invite", args=[patient.public_id]))
    assert again.status_code == 409
    assert "already has an account" in again.content.decode()
    reused = client.__class__().get(reverse("invitation_accept", args=[token]))
    assert reused.status_code == 400 and "already been used" in reused.content.decode()


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "eyJpIjoiMSJ9:abc:def"])
def test_invitation_page_with_bad_tokens_is_400(client, db, token):
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_invitation_password_mismatch_and_weak_password(
    client, physio, patient, django_capture_on_commit_callbacks
):
    client.force_login(physio)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("patients:invite", args=[patient.public_id]))
    token = mail.outbox[0].body.split("/invite/")[1].split("/")[0]
    anon = client.__class__()
    url = reverse("invitation_accept", args=[token])
    mismatch = anon.post(url, {"password1": "long-enough-pass-7", "password2": "different-pass-8"})
    assert mismatch.status_code == 400 and "differ" in mismatch.content.decode()
    weak = anon.post(url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    assert not User.objects.filter(email=patient.contact_email).exists()
    assert AthleteInvitation.objects.get().accepted_at is None


def test_staff_user_cannot_use_an_invitation_to_hijack(client, physio, patient, lead):
    """An invitation for an address a staff account uses is never sent."""
    patient.contact_email = lead.email
    patient.save()
    client.force_login(physio)
    response = client.post(reverse("patients:invite", args=[patient.public_id]))
    assert response.status_code == 409
    assert not mail.outbox


# --- List: filters, pagination, fixed queries -------------------------------------------------


def _fill(clinic, physio, n):
    for i in range(n):
        make_injury(
            patient=make_patient(clinic=clinic, physio=physio, last_name=f"Zed{i:03d}"), by=physio
        )


@pytest.mark.parametrize("rows", [3, 30])
def test_patient_list_runs_a_fixed_number_of_queries(
    client, clinic, physio, rows, django_assert_num_queries
):
    _fill(clinic, physio, rows)
    client.force_login(physio)
    # session, user, memberships (middleware); physio choices; counts by status (also the
    # paginator's count when unfiltered); page rows; current injuries (prefetch); the bell.
    with django_assert_num_queries(8):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert f"{rows} patients" in response.content.decode()
    # Filtered, the paginator counts the matches: one query more, still flat in rows.
    with django_assert_num_queries(9):
        response = client.get(reverse("patients:list"), {"status": "active"})
    assert response.status_code == 200


def test_patient_list_is_paginated_and_keeps_filters(client, clinic, physio):
    _fill(clinic, physio, 30)
    client.force_login(physio)
    first = client.get(reverse("patients:list"), {"status": "active"})
    assert first.content.decode().count("Zed0") == 25
    assert "status=active&amp;page=2" in first.content.decode()
    second = client.get(reverse("patients:list"), {"status": "active", "page": 2})
    assert second.content.decode().count("Zed0") == 5
    assert client.get(reverse("patients:list"), {"page": "abc"}).status_code == 200


def test_patient_list_filters_and_search(client, clinic, physio, lead):
    a = make_patient(clinic=clinic, physio=physio, first_name="Anna", last_name="Alpha")
    make_injury(patient=a, by=physio, site="navicular")
    b = make_patient(clinic=clinic, physio=lead, first_name="Bea", last_name="Beta")
    make_injury(patient=b, by=lead, site="fibula")
    client.force_login(physio)
    url = reverse("patients:list")
    assert "Beta" not in client.get(url, {"q": "alp"}).content.decode()
    assert "Alpha" in client.get(url, {"q": "anna alp"}).content.decode()
    high = client.get(url, {"risk": "high"}).content.decode()
    assert "Alpha" in high and "Beta" not in high
    mine = client.get(url, {"physio": str(lead.public_id)}).content.decode()
    assert "Beta" in mine and "Alpha" not in mine
    by_name_desc = client.get(url, {"sort": "-name"}).content.decode()
    assert by_name_desc.index("Beta") < by_name_desc.index("Alpha")


def test_patient_list_bad_filters_do_not_500(client, physio):
    client.force_login(physio)
    for params in [
        {"status": "nope"},
        {"risk": "x"},
        {"physio": "not-a-uuid"},
        {"sort": "drop table"},
        {"page": "-1"},
    ]:
        assert client.get(reverse("patients:list"), params).status_code == 200


def test_patient_list_partial_for_htmx(client, physio, clinic):
    make_patient(clinic=clinic, physio=physio, last_name="Partial")
    client.force_login(physio)
    html = client.get(
        reverse("patients:list"), {"q": "Part"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="results"' in html and "<html" not in html and "Partial" in html


def test_no_clinical_answer_is_pre_selected_on_the_new_patient_and_injury_forms(
    client, physio, patient
):
    """Sex, site, side, weight-bearing and walking aid start unanswered (issue 17): a form sent
    without choosing says which answers are missing and saves nothing."""
    client.force_login(physio)
    new_patient = client.get(reverse("patients:create")).content.decode()
    new_injury = client.get(
        reverse("patients:injury_create", args=[patient.public_id])
    ).content.decode()
    for page, name in [(new_patient, "sex")] + [
        (new_injury, n) for n in ("site", "side", "weight_bearing", "walking_aid")
    ]:
        select = page.split(f'name="{name}"')[1].split("</select>")[0]
        assert re.search(r'value="[^"]+" selected', select) is None, name  # only "Choose…"
        assert '<option value="" selected>Choose…</option>' in select, name
    injuries = patient.injuries.count()
    response = client.post(
        reverse("patients:injury_create", args=[patient.public_id]),
        {"first_symptoms_on": "2026-11-01", "diagnosed_on": "2026-11-10"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"site", "side", "weight_bearing", "walking_aid"} <= set(errors)
    assert patient.injuries.count() == injuries
