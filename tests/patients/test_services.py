from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import services
from patients.models import AthleteInvitation, Injury, Patient, TriadScreen
from rtr.accounts.models import Membership, Role, User
from tests.patients.factories import make_injury, make_patient

TODAY = timezone.localdate


@pytest.fixture
def patient(clinic, physio):
    return make_patient(clinic=clinic, physio=physio, first_name="Nadia", last_name="Navicular")


def test_patient_create_records_consent_and_who(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio)
    assert patient.consent_given_at is not None
    assert patient.consent_recorded_by == physio
    assert patient.assigned_physio == physio


def test_assigned_physio_must_be_clinical_staff_of_the_clinic(clinic, physio, coach, outsider):
    for wrong in (coach, outsider):
        with pytest.raises(ValidationError):
            services.patient_create(
                clinic=clinic,
                by=physio,
                consent_given=True,
                assigned_physio=wrong,
                first_name="A",
                last_name="B",
                date_of_birth=TODAY() - timedelta(days=9000),
                sex="male",
                contact_email="a@b.org",
            )
    assert not Patient.objects.exists()


def test_navicular_is_high_risk_without_bone_health_flag(patient, physio):
    injury = make_injury(patient=patient, by=physio, site="navicular")
    assert injury.derived_risk == "high"
    assert injury.risk_category == "high"
    assert injury.bone_health_flag is False
    assert injury.expected_return.days == 127


def test_femoral_neck_sets_the_bone_health_flag(patient, physio):
    injury = make_injury(patient=patient, by=physio, site="femoral_neck_compression")
    assert injury.bone_health_flag is True
    assert injury.bone_type == "trabecular"


def test_override_needs_a_reason_and_keeps_who_and_why(patient, physio):
    with pytest.raises(ValidationError) as excinfo:
        make_injury(patient=patient, by=physio, site="navicular", risk_override="low")
    assert "risk_override_reason" in excinfo.value.error_dict
    assert not Injury.objects.exists()
    injury = make_injury(
        patient=patient,
        by=physio,
        site="navicular",
        risk_override="low",
        risk_override_reason="Grade II, no line: specialist agrees",
    )
    assert injury.risk_category == "low" and injury.derived_risk == "high"
    assert injury.is_risk_overridden
    assert injury.risk_overridden_by == physio and injury.risk_overridden_at is not None
    assert injury.risk_override_reason == "Grade II, no line: specialist agrees"


def test_choosing_the_derived_risk_is_not_an_override(patient, physio):
    injury = make_injury(patient=patient, by=physio, site="navicular", risk_override="high")
    assert not injury.is_risk_overridden
    assert injury.risk_override_reason == ""


def test_removing_an_override_clears_it(patient, physio):
    injury = make_injury(
        patient=patient,
        by=physio,
        site="fibula",
        risk_override="high",
        risk_override_reason="Delayed union",
    )
    data = {f: getattr(injury, f) for f in services.INJURY_FIELDS}
    services.injury_update(
        injury=injury, by=physio, risk_override="", risk_override_reason="", **data
    )
    injury.refresh_from_db()
    assert (
        injury.risk_category == "low"
        and injury.risk_override_reason == ""
        and injury.risk_overridden_by is None
    )


def test_other_site_needs_a_chosen_risk_with_reason(patient, physio):
    with pytest.raises(ValidationError) as excinfo:
        make_injury(patient=patient, by=physio, site="other")
    assert "risk_override" in excinfo.value.error_dict
    injury = make_injury(
        patient=patient, by=physio, site="other", risk_override="low", risk_override_reason="Cuboid"
    )
    assert injury.risk_category == "low"


def test_database_refuses_an_override_without_reason(patient, physio):
    from django.db import IntegrityError, transaction

    injury = make_injury(patient=patient, by=physio, site="navicular")
    with pytest.raises(IntegrityError), transaction.atomic():
        Injury.objects.filter(pk=injury.pk).update(risk_category="low")


def test_a_new_injury_becomes_current_and_the_old_one_history(patient, physio):
    first = make_injury(patient=patient, by=physio, site="fibula")
    second = make_injury(patient=patient, by=physio, site="navicular")
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert patient.current_injury == second


@pytest.mark.parametrize(
    ("field", "days", "message"),
    [
        ("first_symptoms_on", +1, "future"),
        ("diagnosed_on", +1, "future"),
    ],
)
def test_future_dates_are_refused(patient, physio, field, days, message):
    with pytest.raises(ValidationError, match=message):
        make_injury(patient=patient, by=physio, **{field: TODAY() + timedelta(days=days)})
    assert not Injury.objects.exists()


def test_diagnosis_before_first_symptoms_is_refused(patient, physio):
    with pytest.raises(ValidationError, match="before the first symptoms"):
        make_injury(
            patient=patient,
            by=physio,
            first_symptoms_on=TODAY() - timedelta(days=5),
            diagnosed_on=TODAY() - timedelta(days=9),
        )


def test_symptoms_before_birth_are_refused(patient, physio):
    with pytest.raises(ValidationError, match="date of birth"):
        make_injury(
            patient=patient, by=physio, first_symptoms_on=patient.date_of_birth - timedelta(days=1)
        )


def test_unknown_site_is_refused_and_nothing_saved(patient, physio):
    with pytest.raises((ValidationError, ValueError)):
        make_injury(patient=patient, by=physio, site="elbow")
    assert not Injury.objects.exists()


def test_imaging_entry_dates(patient, physio):
    injury = make_injury(patient=patient, by=physio)
    services.imaging_add(
        injury=injury, by=physio, modality="mri", taken_on=TODAY(), grade="Fredericson 3"
    )
    with pytest.raises(ValidationError):
        services.imaging_add(
            injury=injury, by=physio, modality="mri", taken_on=TODAY() + timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        services.imaging_add(injury=injury, by=physio, modality="pet", taken_on=TODAY())
    assert injury.imaging.count() == 1


def test_triad_screen_total_and_clearance(patient, physio):
    screen = services.triad_screen_record(
        patient=patient,
        by=physio,
        screened_on=TODAY(),
        low_energy_availability=1,
        low_bmi=0,
        delayed_menarche=0,
        oligo_amenorrhoea=1,
        low_bmd=0,
        stress_reaction=1,
    )
    assert screen.total == 3 and screen.clearance == "provisional"


def test_triad_menstrual_factors_may_be_left_out(patient, physio):
    screen = services.triad_screen_record(
        patient=patient,
        by=physio,
        screened_on=TODAY(),
        low_energy_availability=0,
        low_bmi=0,
        delayed_menarche=None,
        oligo_amenorrhoea=None,
        low_bmd=1,
        stress_reaction=0,
    )
    assert screen.total == 1 and screen.clearance == "full"


def test_triad_refuses_a_missing_or_out_of_range_factor(patient, physio):
    base = {"low_energy_availability": 0, "low_bmi": 0, "low_bmd": 0, "stress_reaction": 0}
    with pytest.raises(ValidationError):
        services.triad_screen_record(
            patient=patient, by=physio, screened_on=TODAY(), **{**base, "low_bmd": 3}
        )
    with pytest.raises(ValidationError):
        services.triad_screen_record(
            patient=patient, by=physio, screened_on=TODAY(), **{**base, "low_bmi": None}
        )
    with pytest.raises(ValidationError):
        services.triad_screen_record(
            patient=patient, by=physio, screened_on=TODAY() + timedelta(days=1), **base
        )
    assert not TriadScreen.objects.exists()


def test_suggested_stress_reaction_score(patient, physio):
    assert services.suggested_stress_reaction_score(patient) == 0
    make_injury(patient=patient, by=physio, site="fibula")
    assert services.suggested_stress_reaction_score(patient) == 1
    make_injury(patient=patient, by=physio, site="mt3", metatarsal_zone="shaft")
    assert services.suggested_stress_reaction_score(patient) == 2


def test_suggested_stress_reaction_score_for_one_trabecular_site(patient, physio):
    make_injury(patient=patient, by=physio, site="sacrum")
    assert services.suggested_stress_reaction_score(patient) == 2


# --- Invitations ------------------------------------------------------------------------------


def _token_from_mail() -> str:
    body = mail.outbox[-1].body
    return body.split("/invite/")[1].split("/")[0]


def test_invitation_is_emailed_and_accepting_creates_the_athlete(
    patient, physio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    assert mail.outbox[-1].to == [patient.contact_email]
    user = services.invitation_accept(token=_token_from_mail(), password="a-long-pass-phrase-1")
    patient.refresh_from_db()
    assert patient.user == user
    assert user.check_password("a-long-pass-phrase-1")
    assert Membership.objects.get(user=user).role == Role.ATHLETE
    assert AthleteInvitation.objects.get().accepted_at is not None


def test_an_invitation_link_works_once(patient, physio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    token = _token_from_mail()
    services.invitation_accept(token=token, password="a-long-pass-phrase-1")
    with pytest.raises(services.InvitationError, match="already been used"):
        services.invitation_accept(token=token, password="another-pass-phrase-2")
    assert User.objects.filter(email=patient.contact_email).count() == 1


def test_resending_revokes_the_old_link(patient, physio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    old = _token_from_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    new = _token_from_mail()
    with pytest.raises(services.InvitationError, match="newer invitation"):
        services.invitation_accept(token=old, password="a-long-pass-phrase-1")
    services.invitation_accept(token=new, password="a-long-pass-phrase-1")
    assert AthleteInvitation.objects.filter(revoked_at__isnull=False).count() == 1


def test_an_expired_link_is_refused(patient, physio, settings, django_capture_on_commit_callbacks):
    import time_machine

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    token = _token_from_mail()
    later = timezone.now() + timedelta(hours=settings.RTR_INVITATION_HOURS, minutes=1)
    with (
        time_machine.travel(later, tick=False),
        pytest.raises(services.InvitationError, match="expired"),
    ):
        services.invitation_accept(token=token, password="a-long-pass-phrase-1")
    assert not User.objects.filter(email=patient.contact_email).exists()


@pytest.mark.parametrize("tamper", ["x", "prefix", "swap"])
def test_a_tampered_link_is_refused(patient, physio, tamper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    token = _token_from_mail()
    bad = {"x": token[:-2] + "xx", "prefix": "A" + token, "swap": token[::-1]}[tamper]
    with pytest.raises(services.InvitationError, match="not valid"):
        services.invitation_accept(token=bad, password="a-long-pass-phrase-1")


def test_cannot_invite_twice_once_the_account_exists(
    patient, physio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(patient=patient, by=physio)
    services.invitation_accept(token=_token_from_mail(), password="a-long-pass-phrase-1")
    patient.refresh_from_db()
    with pytest.raises(ValidationError, match="already has an account"):
        services.invitation_send(patient=patient, by=physio)


def test_cannot_invite_to_an_address_another_account_uses(clinic, physio, lead):
    patient = make_patient(clinic=clinic, physio=physio, contact_email=lead.email)
    with pytest.raises(ValidationError, match="Another account"):
        services.invitation_send(patient=patient, by=physio)
    assert not AthleteInvitation.objects.exists()
