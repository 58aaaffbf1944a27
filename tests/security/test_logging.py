"""Logs carry request ids and never patient details or check-in contents."""

from __future__ import annotations

import json
import logging

from django.urls import reverse

from checkins.services import local_today
from checkins.warning_signs import evaluation
from rtr.logging import RequestIdFilter, request_id
from tests.checkins.factories import checkin_post
from tests.protocols.factories import active_plan, library

NAME, SURNAME, NOTE, EMAIL = (
    "Zebedee",
    "Quixotic",
    "XYZZY-private-note",
    "zebedee.quixotic@example.org",
)


def test_every_response_has_a_request_id_and_keeps_a_safe_incoming_one(client, db):
    response = client.get(reverse("account_login"))
    assert len(response["X-Request-ID"]) == 32
    assert (
        client.get(reverse("account_login"), headers={"X-Request-ID": "proxy-abc-12345"})[
            "X-Request-ID"
        ]
        == "proxy-abc-12345"
    )
    assert (
        client.get(reverse("account_login"), headers={"X-Request-ID": "bad id\nwith newline"})[
            "X-Request-ID"
        ]
        != "bad id\nwith newline"
    )


def test_json_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    record = logging.LogRecord("rtr", logging.INFO, __file__, 1, "event happened", None, None)
    token = request_id.set("rid-0001")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter(["levelname", "name", "request_id", "message"]).format(record))
    assert line["request_id"] == "rid-0001" and line["message"] == "event happened"


def test_a_full_journey_logs_no_patient_data(
    client, caplog, clinic, physio, lead, athlete, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    client.force_login(physio)
    client.post(
        reverse("patients:create"),
        {
            "first_name": NAME,
            "last_name": SURNAME,
            "date_of_birth": "1999-09-09",
            "sex": "female",
            "sport": "Running",
            "contact_email": EMAIL,
            "assigned_physio": str(physio.pk),
            "status": "active",
            "consent_given": "on",
        },
    )
    from patients.models import Patient

    patient = Patient.objects.get(last_name=SURNAME)
    client.post(
        reverse("patients:injury_create", args=[patient.public_id]),
        {
            "site": "tibia_posteromedial",
            "side": "left",
            "first_symptoms_on": "2026-10-01",
            "diagnosed_on": "2026-10-10",
            "weight_bearing": "fwb",
            "walking_aid": "none",
            "notes": NOTE,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("patients:invite", args=[patient.public_id]))
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    client.force_login(athlete)
    client.post(
        reverse("checkins:submit"),
        checkin_post(
            date=str(local_today(patient)),
            notes=NOTE,
            pain_rest="7",
            night_pain="on",
        ),
    )
    client.post(
        reverse("checkins:submit"), checkin_post(date="1999-01-01", notes=NOTE)
    )  # refused: logged as a 400
    evaluation.evaluate_pending()
    client.force_login(lead)
    client.get(reverse("checkins:flag_queue"))
    client.get(reverse("patients:detail", args=[patient.public_id]))
    client.get(reverse("checkins:csv", args=[patient.public_id]))
    text = caplog.text
    assert caplog.records, "the journey should have logged something"
    for secret in (NAME, SURNAME, NOTE, EMAIL, "1999-09-09"):
        assert secret not in text, secret
