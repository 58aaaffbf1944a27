from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from rtr.accounts.demo import DEMO_PASSWORD
from rtr.accounts.models import Clinic, Membership, Role, User


@pytest.mark.django_db
def test_demo_data_creates_the_people_and_is_idempotent():
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    counts = (User.objects.count(), Clinic.objects.count(), Membership.objects.count())
    lead = User.objects.get(email="lead@demo.rtr")
    password_hash = lead.password
    assert DEMO_PASSWORD in out.getvalue()
    assert "physio@demo.rtr" in out.getvalue()

    call_command("demo_data", stdout=io.StringIO())
    assert (User.objects.count(), Clinic.objects.count(), Membership.objects.count()) == counts
    lead.refresh_from_db()
    assert lead.password == password_hash  # a second run resets nothing


@pytest.mark.django_db
def test_demo_clinic_has_every_role():
    call_command("demo_data", verbosity=0)
    roles = set(
        Membership.objects.filter(clinic__name="Riverside Sports Physiotherapy").values_list(
            "role", flat=True
        )
    )
    assert roles == {Role.LEAD, Role.PHYSIO, Role.COACH, Role.ATHLETE}
    assert (
        Membership.objects.filter(
            clinic__name="Riverside Sports Physiotherapy", role=Role.PHYSIO
        ).count()
        == 2
    )
    assert User.objects.get(email="physio@demo.rtr").check_password(DEMO_PASSWORD)
