from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from rtr.accounts.models import Membership, Role
from rtr.accounts.tenancy import get_visible_or_404
from tests.factories import make_member

STAFF_PAGES = ["staff_home", "clinic_members", "system_status"]
CLINICAL_PAGES = ["clinic_members", "system_status"]


def member_of(user):
    return Membership.objects.get(user=user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "staff_home", "athlete_home", "clinic_members", "system_status"]
)
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_an_athlete_cannot_open_staff_pages(client, athlete, name):
    client.force_login(athlete)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("persona", ["lead", "physio", "coach"])
def test_staff_cannot_open_the_athlete_home(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("athlete_home")).status_code == 403


@pytest.mark.parametrize("name", CLINICAL_PAGES)
def test_a_coach_is_refused_clinical_pages(client, coach, name):
    client.force_login(coach)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("lead", "staff_home"),
        ("physio", "staff_home"),
        ("coach", "staff_home"),
        ("athlete", "athlete_home"),
    ],
)
def test_home_sends_each_role_to_its_own_page(client, persona, target, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_a_user_without_any_clinic_gets_a_clear_403(client, db):
    from tests.factories import make_user

    client.force_login(make_user())
    response = client.get(reverse("home"))
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["lead", "physio"])
def test_member_of_own_clinic_is_visible(client, persona, request, coach):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("clinic_member_detail", args=[member_of(coach).public_id]))
    assert response.status_code == 200
    assert coach.email in response.content.decode()


@pytest.mark.parametrize("persona", ["lead", "physio"])
def test_member_of_another_clinic_is_a_404(client, persona, request, outsider):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("clinic_member_detail", args=[member_of(outsider).public_id]))
    assert response.status_code == 404
    assert outsider.email not in response.content.decode()


def test_unknown_and_malformed_ids_are_404_never_500(client, lead):
    client.force_login(lead)
    assert client.get(reverse("clinic_member_detail", args=[uuid.uuid4()])).status_code == 404
    for bad in ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000Z", "%27%20OR%201=1"]:
        assert client.get(f"/clinic/members/{bad}/").status_code == 404
        assert client.post(f"/clinics/{bad}/switch/").status_code == 404


def test_team_list_shows_only_the_current_clinic(client, lead, physio, outsider):
    client.force_login(lead)
    html = client.get(reverse("clinic_members")).content.decode()
    assert physio.email in html
    assert outsider.email not in html


def test_switching_to_a_clinic_you_are_not_in_is_a_404(client, physio, other_clinic):
    client.force_login(physio)
    response = client.post(reverse("clinic_switch", args=[other_clinic.public_id]))
    assert response.status_code == 404


def test_staff_of_two_clinics_switch_and_see_the_other_team(
    client, clinic, other_clinic, physio, outsider
):
    Membership.objects.create(user=physio, clinic=other_clinic, role=Role.PHYSIO)
    client.force_login(physio)
    client.post(reverse("clinic_switch", args=[clinic.public_id]))
    before = client.get(reverse("clinic_members")).content.decode()
    assert clinic.name in before
    assert outsider.email not in before
    response = client.post(
        reverse("clinic_switch", args=[other_clinic.public_id]), {"next": reverse("clinic_members")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic_members")
    after = client.get(reverse("clinic_members")).content.decode()
    assert outsider.email in after


def test_switch_refuses_an_offsite_next_url(client, clinic, other_clinic, physio):
    Membership.objects.create(user=physio, clinic=other_clinic, role=Role.PHYSIO)
    client.force_login(physio)
    response = client.post(
        reverse("clinic_switch", args=[other_clinic.public_id]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("staff_home")


def test_switch_needs_post(client, physio, clinic):
    client.force_login(physio)
    assert client.get(reverse("clinic_switch", args=[clinic.public_id])).status_code == 405


def test_pages_show_times_in_the_clinic_zone(client, outsider, other_clinic):
    client.force_login(outsider)
    html = client.get(reverse("staff_home")).content.decode()
    assert "Australia/Sydney" in html


class TestGetVisibleOr404:
    """The helper every id-taking view uses: other clinic 404, read-only role 403 on writes."""

    def _request(self, user):
        request = RequestFactory().get("/")
        request.user = user
        request.membership = Membership.objects.select_related("clinic").get(user=user)
        return request

    def test_returns_own_clinic_object(self, physio, coach):
        obj = get_visible_or_404(
            Membership.objects.all(), self._request(physio), member_of(coach).public_id
        )
        assert obj.user == coach

    def test_other_clinic_object_is_404(self, physio, outsider):
        with pytest.raises(Http404):
            get_visible_or_404(
                Membership.objects.all(), self._request(physio), member_of(outsider).public_id
            )

    def test_write_by_a_read_only_role_is_403(self, coach, physio):
        with pytest.raises(PermissionDenied):
            get_visible_or_404(
                Membership.objects.all(),
                self._request(coach),
                member_of(physio).public_id,
                write=True,
            )

    def test_write_by_an_athlete_is_403_and_read_of_other_clinic_stays_404(self, athlete, outsider):
        request = self._request(athlete)
        with pytest.raises(Http404):
            get_visible_or_404(
                Membership.objects.all(), request, member_of(outsider).public_id, write=True
            )

    def test_write_by_physio_is_allowed(self, physio, coach):
        obj = get_visible_or_404(
            Membership.objects.all(), self._request(physio), member_of(coach).public_id, write=True
        )
        assert obj.user == coach

    def test_garbage_id_is_404(self, physio):
        with pytest.raises(Http404):
            get_visible_or_404(Membership.objects.all(), self._request(physio), "garbage")

    def test_no_membership_sees_nothing(self, physio, coach):
        request = RequestFactory().get("/")
        request.user = physio
        request.membership = None
        with pytest.raises(Http404):
            get_visible_or_404(Membership.objects.all(), request, member_of(coach).public_id)


def test_public_ids_are_uuids_not_sequential(clinic, physio):
    membership = member_of(physio)
    assert isinstance(membership.public_id, uuid.UUID)
    assert isinstance(clinic.public_id, uuid.UUID)
    assert isinstance(physio.public_id, uuid.UUID)


def test_an_athlete_belongs_to_one_clinic_only(athlete, other_clinic):
    from django.core.exceptions import ValidationError

    from rtr.accounts.services import membership_add

    with pytest.raises(ValidationError):
        membership_add(user=athlete, clinic=other_clinic, role=Role.ATHLETE)
    with pytest.raises(ValidationError):
        membership_add(user=athlete, clinic=other_clinic, role=Role.PHYSIO)
    assert Membership.objects.filter(user=athlete).count() == 1


def test_staff_can_join_a_second_clinic(physio, other_clinic):
    from rtr.accounts.services import membership_add

    membership_add(user=physio, clinic=other_clinic, role=Role.LEAD)
    assert Membership.objects.filter(user=physio).count() == 2


def test_database_refuses_a_second_athlete_membership(athlete, other_clinic):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=athlete, clinic=other_clinic, role=Role.ATHLETE)


def test_unknown_role_is_refused(physio, other_clinic):
    from django.core.exceptions import ValidationError

    from rtr.accounts.services import membership_add

    with pytest.raises(ValidationError):
        membership_add(user=physio, clinic=other_clinic, role="surgeon")


def test_make_member_factory_requires_clinic():
    with pytest.raises(TypeError):
        make_member(role=Role.PHYSIO)
