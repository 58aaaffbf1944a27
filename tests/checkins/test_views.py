from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins import services
from checkins.models import CheckIn
from protocols.models import Plan
from tests.checkins.factories import checkin_post, make_history
from tests.protocols.factories import active_plan, library

SUBMIT = reverse("checkins:submit")


def today(patient):
    return services.local_today(patient)


def post(client, patient, **overrides):
    data = checkin_post(date=today(patient).isoformat(), **overrides)
    return client.post(SUBMIT, data)


# --- Athlete ---------------------------------------------------------------------------------


def test_today_page_shows_the_prescription_then_the_check_in(client, athlete, plan):
    client.force_login(athlete)
    html = client.get(reverse("athlete_home")).content.decode()
    assert html.index("Today's session") < html.index("Today's check-in")
    assert 'name="pain_rest" value="0"' in html  # a row of buttons, not a slider
    assert 'type="range"' not in html  # a slider always holds a value nobody gave
    assert 'data-show-when="session_done:as_prescribed,modified"' in html
    assert "Period" in html  # a female athlete is asked; see the male case below


def test_menstrual_question_only_where_relevant(client, athlete, patient, plan):
    patient.sex = "male"
    patient.save()
    client.force_login(athlete)
    assert 'name="menstrual_status"' not in client.get(reverse("athlete_home")).content.decode()


def test_submit_shows_confirmation_with_next_session(client, athlete, patient, plan):
    client.force_login(athlete)
    response = post(client, patient)
    checkin = CheckIn.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("checkins:done", args=[checkin.public_id])
    done = client.get(response["Location"]).content.decode()
    assert "check-in saved" in done
    assert "Your next session" in done
    assert "Stop and contact your physio" not in done


def test_submitting_twice_updates_rather_than_duplicates(client, athlete, patient, plan):
    client.force_login(athlete)
    post(client, patient, fatigue="2")
    post(client, patient, fatigue="8")
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().fatigue == 8


@pytest.mark.parametrize(
    "flag",
    [
        {"night_pain": "on"},
        {"pain_with_walking": "on"},
        {"groin_pain": "on"},
        {"focal_tenderness": "new"},
        {"pain_rest": "4"},
    ],
)
def test_a_red_flag_answer_shows_the_stop_notice(client, athlete, patient, plan, flag):
    client.force_login(athlete)
    done = client.get(post(client, patient, **flag)["Location"]).content.decode()
    assert 'id="stop-notice"' in done and "Stop and contact your physio" in done


def test_pain_over_the_limit_advises_repeating_the_step(client, athlete, patient, plan):
    client.force_login(athlete)
    done = client.get(post(client, patient, pain_during="4")["Location"]).content.decode()
    assert "repeat this step" in done


NUMERIC_BOUNDS = {
    "pain_rest": (-1, 11),
    "pain_next_morning": (-1, 11),
    "pain_during": (-1, 11),
    "pain_after": (-1, 11),
    "session_rpe": (-1, 11),
    "fatigue": (-1, 11),
    "stress": (-1, 11),
    "confidence": (-1, 11),
    "sleep_quality": (0, 6),
    "sleep_hours": (-1, 17),
    "run_minutes": (-1, 301),
    "run_distance_km": (-1, 101),
    "walk_minutes": (-1, 601),
    "cross_training_minutes": (-1, 601),
    "cadence": (99, 241),
    "steps": (-1, 100001),
    "resting_hr": (24, 221),
    "hrv_ms": (0, 301),
}


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for f, bounds in NUMERIC_BOUNDS.items() for v in bounds]
)
def test_every_numeric_field_out_of_range_is_a_field_error(
    client, athlete, patient, plan, field, value
):
    client.force_login(athlete)
    response = post(client, patient, **{field: str(value)})
    assert response.status_code == 400
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pain_rest": "abc"}, "Select a valid choice"),
        ({"pain_rest": "11"}, "Select a valid choice"),
        ({"pain_rest": None}, "This field is required"),
        ({"pain_next_morning": None}, "This field is required"),
        ({"focal_tenderness": None}, "This field is required"),
        ({"swelling": None}, "This field is required"),
        ({"fatigue": "11"}, "Select a valid choice"),
        ({"fuelling_adequate": "maybe"}, "Select a valid choice"),
        ({"sleep_hours": "eight"}, "Enter a number"),
        ({"session_done": "partly"}, "Select a valid choice"),
        ({"swelling": "huge"}, "Select a valid choice"),
        ({"focal_tenderness": "yes"}, "Select a valid choice"),
        ({"session_done": None}, "This field is required"),
        ({"sleep_hours": "17"}, "less than or equal to 16"),
        ({"pain_during": None}, "Say how much it hurt"),
        ({"session_done": "rest_day", "run_minutes": "30"}, "leave the run minutes at 0"),
        ({"notes": "x" * 1001}, "at most 1000"),
        ({"menstrual_status": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_saved(
    client, athlete, patient, plan, overrides, message
):
    client.force_login(athlete)
    response = post(client, patient, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"), [(1, "future day"), (-2, "Only today"), (-400, "Only today")]
)
def test_dates_other_than_today_or_yesterday_are_refused(
    client, athlete, patient, plan, days, message
):
    client.force_login(athlete)
    response = client.post(
        SUBMIT, checkin_post(date=(today(patient) + timedelta(days=days)).isoformat())
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("value", ["", "not-a-date", "2026-02-30"])
def test_missing_or_malformed_date(client, athlete, patient, plan, value):
    client.force_login(athlete)
    response = client.post(SUBMIT, checkin_post(date=value))
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_late_entry_for_yesterday_once(client, athlete, patient, plan):
    client.force_login(athlete)
    yesterday = (today(patient) - timedelta(days=1)).isoformat()
    assert client.post(SUBMIT, checkin_post(date=yesterday)).status_code == 302
    again = client.post(SUBMIT, checkin_post(date=yesterday, fatigue="9"))
    assert again.status_code == 400
    assert "already recorded" in again.content.decode()
    assert CheckIn.objects.get().is_late


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    payload=st.dictionaries(
        st.sampled_from(
            [
                *list(NUMERIC_BOUNDS),
                "session_done",
                "swelling",
                "focal_tenderness",
                "date",
                "notes",
                "night_pain",
                "menstrual_status",
            ]
        ),
        st.one_of(
            st.text(max_size=12),
            st.integers(-1000, 100000).map(str),
            st.sampled_from(["", "as_prescribed", "none", "mild", "new", "on"]),
        ),
    )
)
def test_property_random_payloads_never_500_and_never_half_save(
    client, athlete, patient, plan, payload
):
    client.force_login(athlete)
    before = CheckIn.objects.count()
    response = client.post(SUBMIT, {**checkin_post(date=today(patient).isoformat()), **payload})
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert CheckIn.objects.count() == before
    else:
        checkin = CheckIn.objects.get(patient=patient, date=today(patient))
        checkin.full_clean()  # what was saved is whole and valid
    CheckIn.objects.all().delete()


def test_athlete_history_page(client, athlete, patient, plan):
    make_history(patient=patient, last=today(patient), days=20)
    client.force_login(athlete)
    html = client.get(reverse("checkins:history")).content.decode()
    assert 'data-chart="pain"' in html and 'data-chart="load"' in html
    assert html.count('class="list-group-item') == 20


def test_staff_cannot_submit_check_ins(client, physio):
    client.force_login(physio)
    assert client.post(SUBMIT, checkin_post()).status_code == 403


def test_athlete_without_a_record_gets_a_clear_page(client, other_athlete):
    client.force_login(other_athlete)
    response = client.post(SUBMIT, checkin_post())
    assert response.status_code == 409
    assert "not linked to a patient record" in response.content.decode()


def test_an_athlete_cannot_open_another_athletes_confirmation(
    client, athlete, other_athlete, patient, plan
):
    client.force_login(athlete)
    post(client, patient)
    checkin = CheckIn.objects.get()
    client.force_login(other_athlete)
    assert client.get(reverse("checkins:done", args=[checkin.public_id])).status_code == 404


# --- Sign-in by link ---------------------------------------------------------------------------


def link_path(url):
    return "/login/link/" + url.rsplit("/link/", 1)[1]


def test_link_signs_the_athlete_in(client, athlete, patient):
    response = client.get(link_path(services.signin_link_create(user=athlete)))
    assert response.status_code == 302 and response["Location"] == reverse("athlete_home")
    assert client.session["_auth_user_id"] == str(athlete.pk)


@pytest.mark.parametrize("tamper", ["garbage", "cut", "flip"])
def test_tampered_links_are_refused(client, athlete, patient, tamper):
    path = link_path(services.signin_link_create(user=athlete))
    bad = {
        "garbage": "/login/link/garbage/",
        "cut": path[:-6] + "/",
        "flip": path.replace(path[20], "A" if path[20] != "A" else "B", 1),
    }[tamper]
    response = client.get(bad)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_expired_link_page(client, athlete, patient, settings):
    import time_machine
    from django.utils import timezone

    path = link_path(services.signin_link_create(user=athlete))
    with time_machine.travel(
        timezone.now() + timedelta(hours=settings.RTR_SIGN_IN_LINK_HOURS + 1), tick=False
    ):
        response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_another_athletes_link_while_signed_in_is_refused(client, athlete, other_athlete, patient):
    path = link_path(services.signin_link_create(user=athlete))
    client.force_login(other_athlete)
    response = client.get(path)
    assert response.status_code == 409
    assert "for another account" in response.content.decode()
    assert client.session["_auth_user_id"] == str(other_athlete.pk)


def test_a_staff_users_link_is_refused(client, athlete, patient):
    path = link_path(services.signin_link_create(user=athlete))
    athlete.is_staff = True
    athlete.save()
    response = client.get(path)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_physio_emails_and_revokes_links(
    client, physio, athlete, patient, django_capture_on_commit_callbacks
):
    from django.core import mail

    client.force_login(physio)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checkins:send_link", args=[patient.public_id]))
    assert mail.outbox[-1].to == [athlete.email]
    body = mail.outbox[-1].body
    assert "/login/link/" in body and "pain" not in body.lower()
    token = body.split("/login/link/")[1].split("/")[0]
    assert (
        client.__class__().get(f"/login/link/{token}/").status_code == 302
    )  # works before revoking
    client.post(reverse("checkins:revoke_links", args=[patient.public_id]))
    cancelled = client.__class__().get(f"/login/link/{token}/")
    assert cancelled.status_code == 400
    assert "cancelled" in cancelled.content.decode()


# --- Care team ---------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [3, 180])
def test_log_and_charts_run_a_fixed_number_of_queries(
    client, physio, patient, plan, days, django_assert_num_queries
):
    make_history(patient=patient, last=today(patient), days=days)
    client.force_login(physio)
    client.get(
        reverse("checkins:log", args=[patient.public_id])
    )  # warm-up: first-request session writes
    # session, user, memberships, unread notifications (the bell); patient (+clinic); the audit
    # entry of this access; check-ins in the window; plan start; the clinic's thresholds (once)
    with django_assert_num_queries(9):
        response = client.get(reverse("checkins:log", args=[patient.public_id]))
    assert response.status_code == 200
    assert response.content.decode().count("<tr class=") == days


@pytest.mark.parametrize("days", [3, 180])
def test_patient_section_runs_a_fixed_number_of_queries(
    client, physio, patient, plan, days, django_assert_num_queries
):
    make_history(patient=patient, last=today(patient), days=days)
    client.force_login(physio)
    # session, user, memberships; patient (+clinic, athlete account); check-ins in the window;
    # plan start; the clinic's thresholds (once, for the red flags of the log rows)
    with django_assert_num_queries(7):
        assert (
            client.get(reverse("checkins:patient_section", args=[patient.public_id])).status_code
            == 200
        )


def test_csv_export_streams_a_header_and_one_row_per_day(client, physio, patient):
    make_history(patient=patient, last=today(patient), days=30, notes='=HYPERLINK("http://evil")')
    client.force_login(physio)
    response = client.get(reverse("checkins:csv", args=[patient.public_id]))
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "date" and "pain_during" in rows[0]
    assert len(rows) == 31
    notes = rows[1][rows[0].index("notes")]
    assert notes.startswith("'=")  # a formula is never live in a spreadsheet


def test_coach_sees_adherence_but_not_pain_notes_or_menstrual(client, coach, patient, plan):
    from patients.models import CareTeamMember

    CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
    make_history(
        patient=patient,
        last=today(patient),
        days=10,
        notes="Sore after hills",
        menstrual_status="missed",
    )
    client.force_login(coach)
    html = client.get(
        reverse("checkins:patient_section", args=[patient.public_id])
    ).content.decode()
    assert 'id="adherence-7"' in html
    assert "pain_during" not in html and "Sore after hills" not in html and "missed" not in html
    assert 'data-chart="pain"' not in html
    for name in ["checkins:log", "checkins:csv"]:
        assert client.get(reverse(name, args=[patient.public_id])).status_code == 403


@pytest.mark.parametrize("name", ["checkins:patient_section", "checkins:log", "checkins:csv"])
@pytest.mark.parametrize("persona", ["outsider", "outsider_lead"])
def test_no_one_outside_the_clinic_reads_check_ins(client, request, patient, name, persona):
    make_history(patient=patient, last=today(patient), days=3)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name, args=[patient.public_id])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "checkins:patient_section",
        "checkins:log",
        "checkins:csv",
        "checkins:send_link",
        "checkins:revoke_links",
    ],
)
def test_athletes_never_read_the_care_team_views(client, athlete, other_athlete, patient, name):
    for user in (athlete, other_athlete):
        client.force_login(user)
        url = reverse(name, args=[patient.public_id])
        response = client.post(url) if "link" in name else client.get(url)
        assert response.status_code == 403


def test_coach_not_on_the_care_team_gets_404(client, coach, patient):
    client.force_login(coach)
    assert (
        client.get(reverse("checkins:patient_section", args=[patient.public_id])).status_code == 404
    )


def test_yesterday_is_offered_only_for_a_day_the_plan_had_started(client, athlete, patient, physio):
    """A plan that starts today has no yesterday to miss (issue 17); one started before has."""
    patient.created_at = timezone.now() - timedelta(days=30)
    patient.save(update_fields=["created_at"])
    plan = active_plan(patient=patient, template=library(), by=physio, start=today(patient))
    client.force_login(athlete)
    assert 'id="day-yesterday"' not in client.get(reverse("athlete_home")).content.decode()
    Plan.objects.filter(pk=plan.pk).update(start_date=today(patient) - timedelta(days=3))
    assert 'id="day-yesterday"' in client.get(reverse("athlete_home")).content.decode()
