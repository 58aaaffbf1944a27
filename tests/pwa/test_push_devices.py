"""Turning notifications on for a device, and choosing how reminders come (issue 21)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from checkins.models import CheckIn, PushSubscription, ReminderPreference
from checkins.warning_signs import push
from tests.patients.factories import make_injury, make_patient

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("pwa:push_subscribe")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def subscription(endpoint="https://push.example.org/send/abc", **extra):
    return {"endpoint": endpoint, "keys": {"p256dh": "BPk" + "a" * 84, "auth": "x" * 22}, **extra}


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_an_athlete_turns_on_reminders_and_plan_changes_for_this_phone(athlete):
    client = signed_in(athlete)
    response = post_json(client, SUBSCRIBE, subscription(topics=["reminders", "plan_changes"]))
    assert response.status_code == 200
    saved = PushSubscription.objects.get(user=athlete)
    assert (saved.reminders, saved.plan_changes, saved.urgent_flags) == (True, True, False)
    # The same device again updates it, never a second row.
    post_json(client, SUBSCRIBE, subscription(topics=["plan_changes"]))
    saved = PushSubscription.objects.get(user=athlete)
    assert (saved.reminders, saved.plan_changes) == (False, True)


def test_staff_may_take_urgent_flags_only_and_athletes_not(athlete, physio):
    assert (
        post_json(signed_in(physio), SUBSCRIBE, subscription(topics=["urgent_flags"])).status_code
        == 200
    )
    assert PushSubscription.objects.get(user=physio).urgent_flags
    for user, topics in ((physio, ["reminders"]), (athlete, ["urgent_flags"]), (athlete, [])):
        response = post_json(
            signed_in(user), SUBSCRIBE, subscription("https://push.example.org/2", topics=topics)
        )
        assert response.status_code == 400
    assert PushSubscription.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"endpoint": "https://push.example.org/x"}),
        json.dumps(subscription("http://push.example.org/x", topics=["reminders"])),
        json.dumps(subscription("https://127.0.0.1/x", topics=["reminders"])),
        json.dumps(subscription("https://localhost/x", topics=["reminders"])),
        json.dumps(subscription("https://10.0.0.5/x", topics=["reminders"])),
    ],
)
def test_a_bad_or_inside_the_network_subscription_is_a_clear_400(athlete, body):
    response = signed_in(athlete).post(SUBSCRIBE, body, content_type="application/json")
    assert response.status_code == 400
    assert "could not be read" in response.json()["message"]
    assert not PushSubscription.objects.exists()


def test_unsubscribing_removes_only_ones_own_device(athlete, other_athlete):
    push.subscription_save(
        user=athlete,
        endpoint="https://push.example.org/a",
        p256dh="k",
        auth="a",
        topics={"reminders"},
    )
    url = reverse("pwa:push_unsubscribe")
    assert (
        post_json(
            signed_in(other_athlete), url, {"endpoint": "https://push.example.org/a"}
        ).status_code
        == 200
    )
    assert PushSubscription.objects.filter(user=athlete).exists()
    assert (
        post_json(signed_in(athlete), url, {"endpoint": "https://push.example.org/a"}).status_code
        == 200
    )
    assert not PushSubscription.objects.exists()
    assert signed_in(athlete).post(url, "{", content_type="application/json").status_code == 400


def test_the_reminder_channel_is_the_athletes_choice_and_bad_input_is_a_400(athlete, physio):
    client = signed_in(athlete)
    url = reverse("pwa:devices")
    assert "Send my daily reminder" in client.get(url).content.decode()
    assert client.post(url, {"reminders_by": "push"}).status_code == 302
    assert ReminderPreference.objects.get(user=athlete).channel == "push"
    response = client.post(url, {"reminders_by": "carrier-pigeon"})
    assert (
        response.status_code == 400 and "Choose how to get reminders" in response.content.decode()
    )
    assert ReminderPreference.objects.get(user=athlete).channel == "push"
    assert (
        signed_in(physio).post(url, {"reminders_by": "push"}).status_code == 400
    )  # staff: no reminders


def test_a_kept_form_of_another_athlete_saves_nothing_for_the_one_signed_in(
    clinic, physio, athlete, other_athlete
):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = other_athlete
    patient.save()
    from checkins.services import local_today

    response = signed_in(other_athlete).post(
        reverse("checkins:submit"),
        {
            "date": local_today(patient).isoformat(),
            "pain_rest": "1",
            "pain_next_morning": "1",
            "focal_tenderness": "none",
            "swelling": "none",
            "session_done": "rest_day",
            "athlete": str(athlete.public_id),
            "client_id": str(uuid.uuid4()),
        },
        follow=True,
    )
    assert "for another account: nothing was saved" in response.content.decode()
    assert not CheckIn.objects.exists()
