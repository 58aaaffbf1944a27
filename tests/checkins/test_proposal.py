"""The plan page's proposal: the next stage's criteria as far as the check-ins show them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from checkins.review import proposal
from tests.checkins.factories import checkin_data


def add(patient, back, **values):
    today = services.local_today(patient)
    return CheckIn.objects.create(
        patient=patient, date=today - timedelta(days=back), **checkin_data(**values)
    )


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        ({"pain_rest": 0}, "adl_pain_free", 0),
        ({"pain_rest": 2}, "adl_pain_free", 2),
        ({"pain_with_walking": True}, "adl_pain_free", 10),
        ({"focal_tenderness": "same"}, "no_tenderness", False),
        ({}, "no_tenderness", True),
        ({"swelling": "mild"}, "no_swelling", False),
        ({"walk_minutes": 35, "pain_during": 0}, "longest_pain_free_walk", 35),
        ({"walk_minutes": 35, "pain_during": 1}, "longest_pain_free_walk", 0),
        ({"walk_minutes": 30, "pain_during": 0}, "pain_free_walks_30", 1),
        ({"run_minutes": 30, "pain_during": 0}, "pain_free_runs_30", 1),
        ({"pain_during": 0}, "pain_free_sessions", 1),
    ],
)
def test_each_measure(patient, values, kind, expected):
    add(patient, 1, **values)
    assert proposal.measure(kind, list(CheckIn.objects.all())) == expected


def test_no_check_ins_means_the_physio_assesses(patient):
    assert proposal.measure("no_tenderness", []) is None


def test_next_morning_rise(patient):
    add(patient, 2, pain_next_morning=0)
    add(patient, 1, pain_next_morning=2)
    assert proposal.measure("no_next_morning_rise", list(CheckIn.objects.order_by("date"))) is False


def test_the_plan_page_proposal(client, physio, patient, plan):
    for back in range(1, 6):
        add(patient, back, pain_during=0, walk_minutes=30)
    client.force_login(physio)
    plan_page = client.get(reverse("protocols:plan_detail", args=[plan.public_id])).content.decode()
    assert reverse("checkins:plan_proposal", args=[plan.public_id]) in plan_page
    html = client.get(reverse("checkins:plan_proposal", args=[plan.public_id])).content.decode()
    # Next stage (walking tolerance): ADL pain 0 and no tenderness, both measured and met.
    assert "Ready to advance" in html and "2/2 criteria met" in html


def test_the_proposal_is_clinical_and_clinic_scoped(client, coach, outsider, patient, plan):
    for user, status in ((coach, 403), (outsider, 404)):
        client.force_login(user)
        assert (
            client.get(reverse("checkins:plan_proposal", args=[plan.public_id])).status_code
            == status
        )
