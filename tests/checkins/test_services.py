from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from checkins import logic, services
from checkins.models import CheckIn, SignInLink
from protocols.models import SessionLog
from tests.checkins.factories import checkin_data


def today(patient):
    return services.local_today(patient)


def test_submit_today_records_the_prescription_and_tells_the_plan(patient, plan, athlete):
    checkin, created = services.checkin_submit(
        patient=patient, by=athlete, day=today(patient), data=checkin_data()
    )
    assert created and not checkin.is_late
    assert checkin.plan == plan
    assert checkin.prescribed_kind in {"session", "strength", "cross_training", "rest"}
    assert checkin.evaluated_at is None
    if checkin.prescribed_kind == "session":
        assert SessionLog.objects.get(plan=plan, day=checkin.date).outcome == "pain_free"


def test_submitting_again_the_same_day_updates(patient, plan, athlete):
    first, _ = services.checkin_submit(
        patient=patient, by=athlete, day=today(patient), data=checkin_data(fatigue=3)
    )
    second, created = services.checkin_submit(
        patient=patient, by=athlete, day=today(patient), data=checkin_data(fatigue=6)
    )
    assert not created and second.pk == first.pk
    assert CheckIn.objects.count() == 1
    assert second.fatigue == 6 and second.edited_at is not None


def test_yesterday_can_be_entered_once_and_is_marked_late(patient, athlete):
    yesterday = today(patient) - timedelta(days=1)
    checkin, _ = services.checkin_submit(
        patient=patient, by=athlete, day=yesterday, data=checkin_data()
    )
    assert checkin.is_late
    with pytest.raises(ValidationError, match="already recorded"):
        services.checkin_submit(
            patient=patient, by=athlete, day=yesterday, data=checkin_data(fatigue=9)
        )
    checkin.refresh_from_db()
    assert checkin.fatigue == 3


@pytest.mark.parametrize(
    ("days", "message"), [(1, "future"), (-2, "Only today"), (-30, "Only today")]
)
def test_other_days_are_refused(patient, athlete, days, message):
    with pytest.raises(ValidationError, match=message):
        services.checkin_submit(
            patient=patient,
            by=athlete,
            day=today(patient) + timedelta(days=days),
            data=checkin_data(),
        )
    assert not CheckIn.objects.exists()


def test_the_day_is_the_clinic_local_day(patient, athlete, clinic):
    clinic.time_zone = "Pacific/Auckland"
    clinic.save()
    patient.refresh_from_db()
    # 23:30 UTC is already tomorrow in Auckland: "today" there is accepted, UTC's today is yesterday.
    now = timezone.now().replace(hour=23, minute=30)
    with time_machine.travel(now, tick=False):
        local = services.local_today(patient)
        assert local == (now + timedelta(hours=13)).date()
        checkin, _ = services.checkin_submit(
            patient=patient, by=athlete, day=local, data=checkin_data()
        )
    assert not checkin.is_late


def test_discharged_patient_cannot_check_in(patient, athlete):
    patient.status = "discharged"
    patient.save()
    with pytest.raises(ValidationError, match="discharged"):
        services.checkin_submit(
            patient=patient, by=athlete, day=today(patient), data=checkin_data()
        )


def test_rest_day_clears_session_pain(patient, athlete):
    checkin, _ = services.checkin_submit(
        patient=patient,
        by=athlete,
        day=today(patient),
        data=checkin_data(session_done="rest_day", pain_during=5, run_minutes=0),
    )
    assert checkin.pain_during is None and checkin.session_rpe is None


def test_out_of_range_values_are_refused_by_the_model(patient, athlete):
    with pytest.raises(ValidationError):
        services.checkin_submit(
            patient=patient, by=athlete, day=today(patient), data=checkin_data(pain_rest=11)
        )
    with pytest.raises(ValidationError):
        services.checkin_submit(
            patient=patient, by=athlete, day=today(patient), data=checkin_data(sleep_quality=0)
        )
    assert not CheckIn.objects.exists()


def test_painful_session_holds_the_step_and_next_morning_pain_marks_yesterday(
    patient, plan, athlete
):
    yesterday = today(patient) - timedelta(days=1)
    SessionLog.objects.create(plan=plan, day=yesterday, step=plan.current_step, outcome="pain_free")
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=today(patient),
        data=checkin_data(pain_next_morning=3, pain_during=4),
    )
    assert SessionLog.objects.get(plan=plan, day=yesterday).outcome == "next_day_pain"


# --- logic ------------------------------------------------------------------------------------


def build(**overrides):
    return CheckIn(**checkin_data(**overrides))


@pytest.mark.parametrize(
    ("overrides", "outcome"),
    [
        ({}, "pain_free"),
        ({"pain_during": 2}, "pain_free"),
        ({"pain_during": 3}, "painful"),
        ({"pain_after": 3}, "painful"),
        ({"swelling": "mild"}, "painful"),
        ({"session_done": "modified"}, "modified"),
        ({"session_done": "modified", "pain_during": 5}, "painful"),
        ({"session_done": "skipped"}, "skipped"),
        ({"session_done": "rest_day"}, None),
    ],
)
def test_session_outcome(overrides, outcome):
    assert logic.session_outcome(build(**overrides)) == outcome


@pytest.mark.parametrize(
    ("overrides", "flag"),
    [
        ({"night_pain": True}, "pain at night"),
        ({"pain_rest": 3}, "pain at rest of 3/10"),
        ({"pain_with_walking": True}, "pain when walking"),
        ({"focal_tenderness": "new"}, "a new tender spot on the bone"),
        ({"groin_pain": True}, "groin or front-of-hip pain"),
    ],
)
def test_red_flags(overrides, flag):
    assert flag in logic.red_flags(build(**overrides))


@pytest.mark.parametrize(
    "overrides",
    [{}, {"pain_rest": 2}, {"focal_tenderness": "same"}, {"swelling": "mild"}, {"pain_during": 5}],
)
def test_no_red_flags(overrides):
    assert logic.red_flags(build(**overrides)) == []


@pytest.mark.parametrize(
    ("before", "after", "lasted"),
    # Any rise holds the step (the registry's hold_rise, 1/10); the flag waits for 2 (rules).
    [(0, 0, False), (0, 1, True), (0, 2, True), (2, 2, False), (2, 3, True), (None, 1, True)],
)
def test_pain_lasted_overnight(before, after, lasted):
    previous = build(pain_next_morning=before) if before is not None else None
    assert logic.pain_lasted_overnight(build(pain_next_morning=after), previous) is lasted


# --- sign-in links --------------------------------------------------------------------------------


def test_a_sign_in_link_resolves_for_its_athlete(athlete, patient):
    url = services.signin_link_create(user=athlete)
    token = url.rsplit("/link/", 1)[1].strip("/")
    assert services.signin_link_resolve(token).user == athlete


@pytest.mark.parametrize("persona", ["physio", "lead", "coach"])
def test_staff_accounts_never_get_a_link(request, persona):
    with pytest.raises(ValidationError, match="Staff accounts"):
        services.signin_link_create(user=request.getfixturevalue(persona))
    assert not SignInLink.objects.exists()


def test_expired_and_revoked_links_are_refused(athlete, patient, settings):
    token = services.signin_link_create(user=athlete).rsplit("/link/", 1)[1].strip("/")
    with (
        time_machine.travel(
            timezone.now() + timedelta(hours=settings.RTR_SIGN_IN_LINK_HOURS, minutes=1), tick=False
        ),
        pytest.raises(services.LinkError, match="expired"),
    ):
        services.signin_link_resolve(token)
    services.signin_links_revoke(user=athlete)
    with pytest.raises(services.LinkError, match="cancelled"):
        services.signin_link_resolve(token)


def test_a_link_of_an_athlete_who_later_became_staff_is_refused(athlete, patient, clinic):
    from rtr.accounts.models import Membership

    token = services.signin_link_create(user=athlete).rsplit("/link/", 1)[1].strip("/")
    athlete.is_staff = True
    athlete.save()
    with pytest.raises(services.LinkError) as excinfo:
        services.signin_link_resolve(token)
    assert excinfo.value.status == 403
    assert Membership.objects.filter(user=athlete).count() == 1
