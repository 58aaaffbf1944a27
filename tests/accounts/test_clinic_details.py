"""The lead sets the clinic's contact details (the written plan's letterhead) and its unit of
distances (issue 17); a bad value is a 400 that saves nothing; only a lead may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rtr.accounts.models import Clinic

pytestmark = pytest.mark.django_db
URL = reverse("clinic_details")
GOOD = {
    "name": "Riverside Sports Physio",
    "address": "12 Mill Lane, Riverside",
    "phone": "+44 20 7946 0000",
    "contact_email": "hello@riverside.test",
    "distance_unit": "mi",
}


def test_the_lead_saves_the_details_and_the_team_page_shows_them(client, lead, clinic):
    client.force_login(lead)
    assert client.post(URL, GOOD).status_code == 302
    clinic.refresh_from_db()
    assert (clinic.name, clinic.phone, clinic.distance_unit) == (
        "Riverside Sports Physio",
        "+44 20 7946 0000",
        "mi",
    )
    page = client.get(reverse("clinic_members")).content.decode()
    assert 'id="clinic-details"' in page and "12 Mill Lane, Riverside" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"contact_email": "not an e-mail"},
        {"distance_unit": "furlongs"},
        {"name": ""},
        {"phone": "1" * 41},
    ],
)
def test_a_bad_value_is_a_400_and_nothing_is_saved(client, lead, clinic, bad):
    client.force_login(lead)
    before = Clinic.objects.values().get(pk=clinic.pk)
    response = client.post(URL, GOOD | bad)
    assert response.status_code == 400
    assert "could not be saved" in response.content.decode()
    assert Clinic.objects.values().get(pk=clinic.pk) == before


def test_a_physio_reads_the_details_but_cannot_change_them(client, physio, clinic):
    client.force_login(physio)
    assert client.post(URL, GOOD).status_code == 403
    clinic.refresh_from_db()
    assert clinic.distance_unit == "km"
    page = client.get(reverse("clinic_members")).content.decode()
    assert 'id="clinic-details"' in page and 'action="/clinic/details/"' not in page
