"""The per-patient export (subject access request): every record of the patient, no other's."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import call_command
from django.db.models import ForeignKey, OneToOneField
from django.test import Client
from django.urls import reverse

from checkins.models import CheckIn, Flag, FlagNote, Notification
from patients import export
from patients.models import Patient
from protocols.models import Plan, SessionLog, StageDecision
from rtr.accounts.models import Membership, Role, User

pytestmark = pytest.mark.django_db

# The models whose rows belong to one patient, reached through one of these.
OWNERS = {"patients.patient", "patients.injury", "protocols.plan", "checkins.flag"}


@pytest.fixture
def demo():
    call_command("demo_data", verbosity=0)
    lead = User.objects.get(email="lead@demo.rtr")
    alex = Patient.objects.get(user__email="athlete@demo.rtr")
    # The demo has no session log or flag note yet: one of each for every patient with a plan.
    for plan in Plan.objects.filter(patient__clinic=alex.clinic):
        SessionLog.objects.get_or_create(
            plan=plan, day=plan.start_date, defaults={"outcome": "pain_free"}
        )
    for flag in Flag.objects.filter(clinic=alex.clinic):
        FlagNote.objects.create(flag=flag, author=lead, text=f"Called {flag.patient_id}")
    return lead, alex


def _pks(data, section):
    return {row["pk"] for row in data[section]}


def test_every_table_that_points_at_a_patient_is_in_the_export():
    exported = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (ForeignKey, OneToOneField)) and (
                field.related_model._meta.label_lower in OWNERS
            ):
                exported.add(model._meta.label_lower)
    assert exported <= export.EXPORTED_MODELS, (
        f"not in the patient export: {sorted(exported - export.EXPORTED_MODELS)}"
    )


def test_the_export_holds_every_record_of_the_patient_and_nothing_of_another(demo):
    lead, alex = demo
    other = Patient.objects.filter(clinic=alex.clinic).exclude(pk=alex.pk).first()
    assert other is not None
    client = Client()
    client.force_login(lead)

    response = client.get(reverse("patients:export", args=[alex.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert {d.strip() for d in response["Cache-Control"].split(",")} == {"no-store", "private"}
    data = json.loads(response.content)
    plans = Plan.objects.filter(patient=alex)
    flags = Flag.objects.filter(patient=alex)
    expected = {
        "patient": {alex.pk},
        "checkins": set(CheckIn.objects.filter(patient=alex).values_list("pk", flat=True)),
        "plans": set(plans.values_list("pk", flat=True)),
        "stage_decisions": set(
            StageDecision.objects.filter(plan__in=plans).values_list("pk", flat=True)
        ),
        "session_logs": set(SessionLog.objects.filter(plan__in=plans).values_list("pk", flat=True)),
        "flags": set(flags.values_list("pk", flat=True)),
        "flag_notes": set(FlagNote.objects.filter(flag__in=flags).values_list("pk", flat=True)),
        "injuries": set(alex.injuries.values_list("pk", flat=True)),
        "care_team": set(alex.care_team.values_list("pk", flat=True)),
    }
    for section, pks in expected.items():
        assert pks, f"the demo patient has no {section}: the test would prove nothing"
        assert _pks(data, section) == pks, section
    assert {n["pk"] for n in data["notifications"]} >= set(
        Notification.objects.filter(flag__in=flags).values_list("pk", flat=True)
    )
    assert data["athlete_account"][0]["fields"]["email"] == "athlete@demo.rtr"

    # Nothing of the other patient: none of its rows, neither its name.
    other_rows = {
        "patient": {other.pk},
        "checkins": set(CheckIn.objects.filter(patient=other).values_list("pk", flat=True)),
        "flags": set(Flag.objects.filter(patient=other).values_list("pk", flat=True)),
        "plans": set(Plan.objects.filter(patient=other).values_list("pk", flat=True)),
    }
    for section, pks in other_rows.items():
        assert not (_pks(data, section) & pks), section
    assert other.last_name not in response.content.decode()
    # Secrets stay out.
    text = response.content.decode()
    assert "nonce" not in text and "argon2" not in text and "password" not in text


def test_the_export_is_audited_and_for_the_lead_only(demo):
    lead, alex = demo
    url = reverse("patients:export", args=[alex.public_id])
    physio = (
        Membership.objects.filter(clinic=alex.clinic, role=Role.PHYSIO).select_related("user")
    ).first()
    assert physio is not None
    client = Client()
    client.force_login(physio.user)
    assert client.get(url).status_code == 403

    client.force_login(lead)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=lead).count()
    assert client.get(url).status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=lead).count() == before + 1


def test_the_export_of_another_clinics_patient_or_an_unknown_id_is_404(demo, clinic, lead):
    _, alex = demo
    client = Client()
    client.force_login(lead)  # the lead of the test clinic, not the demo one
    assert client.get(reverse("patients:export", args=[alex.public_id])).status_code == 404
    response = client.get("/patients/00000000-0000-0000-0000-000000000000/export.json")
    assert response.status_code == 404
