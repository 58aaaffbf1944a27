"""Erasure (right to be forgotten): no personal data of the patient left in any text column of
the database, de-identified counts kept, lead only, audited, confirmed by the full name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import CheckIn, Flag, FlagNote, Notification
from checkins.services import signin_link_create
from patients.erasure import year_only
from patients.models import AthleteInvitation, Patient
from protocols.models import Plan, StageDecision
from rtr.accounts.demo import DEMO_PASSWORD
from rtr.accounts.models import User
from tests.factories import sign_in

pytestmark = pytest.mark.django_db

TEXT_TYPES = ("char", "text", "json", "clob", "varchar")


def text_columns() -> list[tuple[str, str]]:
    """(table, column) for every text-like column of every table in the database."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if any(word in kind.lower() for word in TEXT_TYPES):
                    found.append((table, column.name))
    return found


def places_holding(needle: str) -> list[str]:
    qn = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(
                f"SELECT COUNT(*) FROM {qn(table)} "  # noqa: S608 - names from introspection
                f"WHERE LOWER(CAST({qn(column)} AS TEXT)) LIKE %s",
                [f"%{needle.lower()}%"],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


@pytest.fixture
def alex():
    """The demo athlete with a trace in every place personal data can end up."""
    call_command("demo_data", verbosity=0)
    alex = Patient.objects.get(user__email="athlete@demo.rtr")
    lead = User.objects.get(email="lead@demo.rtr")
    physio = alex.assigned_physio
    name = alex.full_name
    AthleteInvitation.objects.create(
        patient=alex,
        email=alex.contact_email,
        sent_by=physio,
        nonce="n" * 20,
        expires_at=timezone.now() + timedelta(days=3),
    )
    signin_link_create(user=alex.user)
    checkin = CheckIn.objects.filter(patient=alex).latest("date")
    checkin.notes = f"{name} says the shin is sore; born {alex.date_of_birth.isoformat()}"
    checkin.save()
    for flag in Flag.objects.filter(patient=alex):
        FlagNote.objects.create(flag=flag, author=lead, text=f"Phoned {name} at {alex.user.email}")
    # Her own sign-in (failed once, then right) and a physio's view of her record.
    athlete = Client()
    athlete.post(reverse("account_login"), {"login": alex.user.email, "password": "wrong-1"})
    sign_in(athlete, alex.user.email, DEMO_PASSWORD)
    assert athlete.get(reverse("athlete_home")).status_code == 200
    staff = Client()
    staff.force_login(physio)
    staff.post(
        reverse("patients:edit", args=[alex.public_id]),
        {
            **{
                f: getattr(alex, f)
                for f in ("first_name", "last_name", "sex", "sport", "contact_email")
            },
            "date_of_birth": alex.date_of_birth.isoformat(),
            "status": "active",
            "discipline": f"{name}'s 10 km",
            "assigned_physio": str(physio.public_id),
        },
    )
    staff.get(reverse("patients:detail", args=[alex.public_id]))
    alex.refresh_from_db()
    alex.athlete_client = athlete
    return alex


def test_erasure_leaves_no_personal_data_and_keeps_the_counts(alex):
    lead = User.objects.get(email="lead@demo.rtr")
    name, email, born = alex.full_name, alex.user.email, alex.date_of_birth.isoformat()
    assert places_holding(name) and places_holding(email) and places_holding(born)  # traces exist
    counts = {
        "checkins": CheckIn.objects.filter(patient=alex).count(),
        "flags": Flag.objects.filter(patient=alex).count(),
        "plans": Plan.objects.filter(patient=alex).count(),
        "decisions": StageDecision.objects.filter(plan__patient=alex).count(),
        "flag notes": FlagNote.objects.filter(flag__patient=alex).count(),
    }
    other = Patient.objects.get(user__email="athlete2@demo.rtr")

    client = Client()
    client.force_login(lead)
    page = client.get(reverse("patients:erase", args=[alex.public_id]))
    assert page.status_code == 200 and "This cannot be undone" in page.content.decode()
    response = client.post(
        reverse("patients:erase", args=[alex.public_id]), {"confirm_name": f"  {name.upper()} "}
    )
    assert response.status_code == 302

    for needle in (name, email, born):
        assert places_holding(needle) == [], needle
    alex.refresh_from_db()
    assert alex.full_name == "Erased patient" and alex.erased_at is not None
    assert alex.date_of_birth == year_only(date_from(born))  # the year stays, for age bands
    assert {
        "checkins": CheckIn.objects.filter(patient=alex).count(),
        "flags": Flag.objects.filter(patient=alex).count(),
        "plans": Plan.objects.filter(patient=alex).count(),
        "decisions": StageDecision.objects.filter(plan__patient=alex).count(),
        "flag notes": FlagNote.objects.filter(flag__patient=alex).count(),
    } == counts
    assert not Plan.objects.filter(patient=alex, status="active").exists()
    account = alex.user
    assert account.email == f"erased-{account.pk}@invalid" and not account.is_active
    assert not account.has_usable_password()
    # Her own session is over; another patient is untouched.
    response = alex.athlete_client.get(reverse("athlete_home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    other.refresh_from_db()
    assert other.full_name == "Sam Strider" and other.erased_at is None
    assert Notification.objects.exclude(flag__patient=alex).exclude(title="[erased]").exists()
    # The erasure is audited, naming only the lead.
    record = LogEntry.objects.get(additional_data__event="erasure")
    assert record.actor == lead and record.additional_data["patient"] == str(alex.public_id)
    detail = client.get(reverse("patients:detail", args=[alex.public_id])).content.decode()
    assert "personal data was erased" in detail


def date_from(iso: str):
    from datetime import date

    return date.fromisoformat(iso)


def test_a_wrong_name_erases_nothing_and_says_why(alex):
    lead = User.objects.get(email="lead@demo.rtr")
    client = Client()
    client.force_login(lead)
    for typed, says in (
        ("", "This field is required"),
        ("Alex", "nothing was erased"),
        ("Alex Runnerr", "nothing was erased"),
        ("x" * 500, "at most 170 characters"),
    ):
        response = client.post(
            reverse("patients:erase", args=[alex.public_id]), {"confirm_name": typed}
        )
        assert response.status_code == 400 and says in response.content.decode()
    alex.refresh_from_db()
    assert alex.full_name == "Alex Runner" and alex.erased_at is None
    assert not LogEntry.objects.filter(additional_data__event="erasure").exists()


def test_only_the_lead_of_the_clinic_may_erase(alex):
    physio = alex.assigned_physio
    harbour_lead = User.objects.get(email="lead@harbour.rtr")
    url = reverse("patients:erase", args=[alex.public_id])
    for user, status in ((physio, 403), (harbour_lead, 404), (alex.user, 403)):
        client = Client()
        client.force_login(user)
        assert client.post(url, {"confirm_name": alex.full_name}).status_code == status
    alex.refresh_from_db()
    assert alex.erased_at is None


def test_erasing_twice_changes_nothing_more(alex):
    lead = User.objects.get(email="lead@demo.rtr")
    client = Client()
    client.force_login(lead)
    url = reverse("patients:erase", args=[alex.public_id])
    client.post(url, {"confirm_name": alex.full_name})
    again = client.post(url, {"confirm_name": "Erased patient"}, follow=True)
    assert "already been erased" in again.content.decode()
    assert LogEntry.objects.filter(additional_data__event="erasure").count() == 1


def test_an_erased_record_can_no_longer_be_changed(alex):
    lead = User.objects.get(email="lead@demo.rtr")
    client = Client()
    client.force_login(lead)
    client.post(reverse("patients:erase", args=[alex.public_id]), {"confirm_name": alex.full_name})
    response = client.post(
        reverse("patients:edit", args=[alex.public_id]), {"first_name": "Alex", "last_name": "R"}
    )
    assert response.status_code == 403 and "can no longer be changed" in response.content.decode()
    alex.refresh_from_db()
    assert alex.full_name == "Erased patient"
    page = client.get(reverse("patients:detail", args=[alex.public_id])).content.decode()
    assert reverse("patients:edit", args=[alex.public_id]) not in page
