"""Demo data touches only the records it created, and a second run changes nothing (issue 13)."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from checkins.models import CheckIn, Flag
from patients.models import Patient
from protocols.models import Plan, SessionLog, StageDecision
from rtr.accounts.demo import DEMO_CLINIC
from rtr.accounts.models import Clinic, Membership, Role, User
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library

pytestmark = pytest.mark.django_db

# Rows the demo may not write on a second run: everything but sign-in sessions.
SKIP = {"sessions.session"}


def snapshot() -> dict[str, str]:
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SKIP or model._meta.proxy:
            continue
        rows[label] = serializers.serialize("json", model._default_manager.order_by("pk"))
    return rows


def test_demo_data_leaves_hand_made_patients_alone_and_a_second_run_changes_nothing():
    call_command("demo_data", stdout=io.StringIO())
    clinic = Clinic.objects.get(name=DEMO_CLINIC)
    physio = User.objects.get(email="physio@demo.rtr")
    # A patient the user registered by hand, with an active plan and no check-in yet; one with
    # the same name as a demo patient, too.
    mine = make_patient(clinic=clinic, physio=physio, first_name="Hand", last_name="Made")
    make_injury(patient=mine, by=physio)
    plan = active_plan(patient=mine, template=library(), by=physio)
    twin = make_patient(clinic=clinic, physio=physio, first_name="Alex", last_name="Runner")
    user = User.objects.create_user("hand.made@example.org", "pw-123456789")
    Membership.objects.create(user=user, clinic=clinic, role=Role.ATHLETE)
    mine.user = user
    mine.save()
    mine_rows = lambda: (  # noqa: E731 - read twice below
        list(CheckIn.objects.filter(patient__in=[mine, twin]).values()),
        list(Flag.objects.filter(patient__in=[mine, twin]).values()),
        list(Plan.objects.filter(patient__in=[mine, twin]).values()),
        list(StageDecision.objects.filter(plan=plan).values()),
        list(SessionLog.objects.filter(plan=plan).values()),
    )
    before_mine = mine_rows()

    call_command("demo_data", stdout=io.StringIO())
    assert mine_rows() == before_mine
    assert not CheckIn.objects.filter(patient=mine).exists()
    assert not Plan.objects.filter(patient=twin).exists()
    assert Patient.objects.filter(first_name="Alex", last_name="Runner").count() == 2

    before = snapshot()
    call_command("demo_data", stdout=io.StringIO())
    after = snapshot()
    changed = [label for label in before if before[label] != after[label]]
    assert changed == []
