"""Support contacts (issue 17): a family member or the team's staff who may receive the written
plan, only with the athlete's agreement, recorded with the day and who recorded it; removed
when the agreement is withdrawn; never shown to a coach; deleted by an erasure."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patients.models import SupportContact
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Maria Ruiz",
    "relationship": "family",
    "email": "maria@example.org",
    "gets_written_plan": "on",
    "athlete_agreed": "on",
}


@pytest.fixture
def patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Ana", last_name="Ruiz")
    make_injury(patient=patient, by=physio)
    return patient


def add(client, patient, data):
    return client.post(reverse("patients:support_add", args=[patient.public_id]), data)


def test_a_contact_is_added_with_the_athlete_s_agreement_recorded(client, physio, patient):
    client.force_login(physio)
    assert add(client, patient, GOOD).status_code == 302
    contact = SupportContact.objects.get()
    assert contact.consent_on == timezone.localdate()
    assert contact.consent_recorded_by == physio
    body = client.get(reverse("patients:support_section", args=[patient.public_id]))
    assert (
        "Maria Ruiz" in body.content.decode() and "The athlete agreed on" in body.content.decode()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"athlete_agreed": None}, "Record the athlete&#x27;s agreement first"),
        ({"gets_written_plan": None}, "Tick what the athlete agreed"),
        ({"email": "nope"}, "Enter a valid email address"),
        ({"relationship": ""}, "This field is required"),
        ({"name": "x" * 121}, "at most 120 characters"),
    ],
)
def test_without_agreement_or_with_bad_input_nothing_is_saved(
    client, physio, patient, change, message
):
    client.force_login(physio)
    data = {k: v for k, v in (GOOD | change).items() if v is not None}
    response = add(client, patient, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SupportContact.objects.exists()


def test_the_same_person_twice_is_refused(client, physio, patient):
    client.force_login(physio)
    add(client, patient, GOOD)
    response = add(client, patient, GOOD | {"email": "MARIA@example.org"})
    assert response.status_code == 400
    assert SupportContact.objects.count() == 1


def test_the_written_plan_is_e_mailed_to_the_contact(client, physio, patient):
    active_plan(patient=patient, template=library(), by=physio)
    client.force_login(physio)
    add(client, patient, GOOD)
    contact = SupportContact.objects.get()
    mail.outbox.clear()
    response = client.post(reverse("protocols:send_plan", args=[contact.public_id]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    body = mail.outbox[0].body
    assert "Ana asked us to share their return-to-running plan" in body
    assert "Stop and contact the physio" in body and "Current stage" in body
    assert "&#x27;" not in body and "&amp;" not in body  # plain text, not HTML


def test_removing_a_contact_deletes_it_and_a_coach_never_sees_contacts(
    client, physio, coach, patient
):
    from patients.models import CareTeamMember

    CareTeamMember.objects.create(patient=patient, user=coach, role="coach")
    client.force_login(physio)
    add(client, patient, GOOD)
    contact = SupportContact.objects.get()
    client.force_login(coach)
    assert (
        client.get(reverse("patients:support_section", args=[patient.public_id])).status_code == 403
    )
    page = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "maria@example.org" not in page and "Support contacts" not in page
    assert client.post(reverse("protocols:send_plan", args=[contact.public_id])).status_code == 403
    client.force_login(physio)
    assert (
        client.post(reverse("patients:support_remove", args=[contact.public_id])).status_code == 302
    )
    assert not SupportContact.objects.exists()


def test_another_clinic_cannot_reach_a_contact(client, physio, outsider, patient):
    client.force_login(physio)
    add(client, patient, GOOD)
    contact = SupportContact.objects.get()
    client.force_login(outsider)
    assert (
        client.post(reverse("patients:support_remove", args=[contact.public_id])).status_code == 404
    )
    assert client.post(reverse("protocols:send_plan", args=[contact.public_id])).status_code == 404
    assert SupportContact.objects.exists()


def test_a_contact_who_agreed_gets_one_copy_of_the_reminder_without_a_sign_in_link(
    clinic, physio, athlete, patient
):
    from datetime import datetime, time

    from checkins.models import Notification
    from checkins.warning_signs import notifications
    from patients import coordination

    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    coordination.support_contact_add(
        patient=patient,
        by=physio,
        name="Maria Ruiz",
        relationship="family",
        email="maria@example.org",
        gets_written_plan=False,
        gets_reminders=True,
        athlete_agreed=True,
    )
    coordination.support_contact_add(
        patient=patient,
        by=physio,
        name="Coach Tom",
        relationship="team",
        email="tom@example.org",
        gets_written_plan=True,
        athlete_agreed=True,
    )
    evening = datetime.combine(timezone.localdate(), time(21, 0), tzinfo=clinic.zone)
    for _ in range(2):  # the beat job run twice: one copy
        notifications.send_reminders(now=evening)
    copies = Notification.objects.filter(to_contact__isnull=False)
    assert [c.to_contact.email for c in copies] == ["maria@example.org"]
    mail.outbox.clear()
    for pk in Notification.objects.filter(channel="email", sent_at__isnull=True).values_list(
        "pk", flat=True
    ):
        notifications.deliver(pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([athlete.email, "maria@example.org"])
    copy = next(m for m in mail.outbox if m.to == ["maria@example.org"])
    assert "Ana has not done today's check-in" in copy.body
    assert "/link/" not in copy.body and "http" not in copy.body  # nothing that signs anyone in
    athlete_mail = next(m for m in mail.outbox if m.to == [athlete.email])
    assert "/link/" in athlete_mail.body
