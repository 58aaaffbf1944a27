"""Two-factor sign-in: leads always, physios and coaches when their clinic says so, athletes
never. These tests sign in through the real forms (not force_login, which stands for a finished
sign-in in the rest of the suite)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from auditlog.models import LogEntry
from django.test import Client
from django.test.client import ClientMixin
from django.urls import reverse

from rtr.accounts.models import Role
from tests.factories import PASSWORD, authenticator_code, make_member, sign_in
from tests.patients.factories import make_patient

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "staff_home",
    "patients:list",
    "checkins:flag_queue",
    "clinic_members",
    "patients:audit",
    "account",
]


def password_only(client: Client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_lead_is_asked_for_the_code_and_reaches_no_page_without_it(client, lead, physio):
    patient = make_patient(clinic=physio.memberships.get().clinic, physio=physio)
    response = client.post(reverse("account_login"), {"login": lead.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    for name in STAFF_PAGES:
        page = client.get(reverse(name))
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))
    detail = client.get(reverse("patients:detail", args=[patient.public_id]))
    assert detail.status_code == 302 and reverse("account_login") in detail["Location"]

    page = client.get(reverse("mfa_authenticate"))
    assert "Enter your code" in page.content.decode()
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert client.get(reverse("staff_home")).status_code == 302

    right = client.post(reverse("mfa_authenticate"), {"code": authenticator_code(lead)})
    assert right.status_code == 302
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 200, name


def test_a_code_is_accepted_once_and_a_recovery_code_once(lead):
    codes = RecoveryCodes.activate(lead).get_unused_codes()
    assert sign_in(Client(), lead.email).status_code == 302
    replay = Client()
    password_only(replay, lead)
    refused = replay.post(reverse("mfa_authenticate"), {"code": authenticator_code(lead)})
    assert refused.status_code == 200  # the same code a second time is refused
    assert replay.get(reverse("staff_home")).status_code == 302

    assert sign_in(Client(), lead.email, code=codes[0]).status_code == 302
    again = Client()
    password_only(again, lead)
    assert again.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200
    assert again.get(reverse("staff_home")).status_code == 302


@pytest.mark.django_db(transaction=True)  # allauth records the new app after the commit
def test_a_lead_without_an_app_must_set_one_up_before_any_page(client, clinic):
    lead = make_member(clinic=clinic, role=Role.LEAD, two_factor=False)
    password_only(client, lead)
    for name in STAFF_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse(
            "mfa_activate_totp"
        ), name
    # Changing how one signs in asks for the password again first (allauth's reauthentication).
    assert reverse("account_reauthenticate") in client.get(reverse("mfa_activate_totp"))["Location"]
    confirm = client.get(reverse("account_reauthenticate")).content.decode()
    assert "Confirm it is you" in confirm and "Enter your password again" in confirm
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert "Set up two-factor sign-in" in html and "data:image/svg+xml" in html
    secret = page.context["form"].secret

    bad = client.post(reverse("mfa_activate_totp"), {"code": "12345x"})
    assert bad.status_code == 200 and not Authenticator.objects.filter(user=lead).exists()

    from rtr.accounts.mfa import current_code

    done = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert done.status_code == 302
    assert set(Authenticator.objects.filter(user=lead).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    assert client.get(reverse("staff_home")).status_code == 200  # setting it up proved the code
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.content.decode().count("data-recovery-code") == 10


def test_the_clinic_decides_for_physios_and_coaches(clinic):
    for role in (Role.PHYSIO, Role.COACH):
        person = make_member(clinic=clinic, role=role, two_factor=False)
        client = Client()
        password_only(client, person)
        assert client.get(reverse("staff_home"))["Location"] == reverse("mfa_activate_totp")

    clinic.clinicians_need_two_factor = False
    clinic.save()
    for role in (Role.PHYSIO, Role.COACH):
        person = make_member(clinic=clinic, role=role, two_factor=False)
        client = Client()
        password_only(client, person)
        assert client.get(reverse("staff_home")).status_code == 200
    # A physio who chose an app is still asked for its code.
    chooser = make_member(clinic=clinic, role=Role.PHYSIO)
    client = Client()
    response = client.post(reverse("account_login"), {"login": chooser.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")


def test_athletes_never_need_a_second_factor(client, athlete, clinic):
    assert clinic.clinicians_need_two_factor
    password_only(client, athlete)
    assert client.get(reverse("athlete_home")).status_code == 200


def test_a_session_that_skipped_the_second_factor_is_signed_out(lead):
    client = Client()
    ClientMixin.force_login(client, lead)  # Django's own login: no second factor recorded
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.get(reverse("account_login")).wsgi_request.user.is_anonymous


def test_who_must_use_it_cannot_switch_it_off(lead, clinic):
    client = Client()
    sign_in(client, lead.email)
    page = client.get(reverse("mfa_index")).content.decode()
    assert "stays on" in page and reverse("mfa_deactivate_totp") not in page
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=lead, type="totp").exists()

    clinic.clinicians_need_two_factor = False
    clinic.save()
    physio = make_member(clinic=clinic, role=Role.PHYSIO)
    client = Client()
    sign_in(client, physio.email)
    assert reverse("mfa_deactivate_totp") in client.get(reverse("mfa_index")).content.decode()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=physio, type="totp").exists()


def test_the_lead_sets_the_clinic_rule_and_it_is_audited(client, lead, physio, clinic):
    client.force_login(lead)
    page = client.get(reverse("clinic_members")).content.decode()
    assert "Two-factor sign-in" in page and "set up" in page
    response = client.post(reverse("clinic_two_factor"), {})
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.clinicians_need_two_factor is False
    entry = LogEntry.objects.get_for_object(clinic).latest("timestamp")
    assert entry.actor == lead and "clinicians_need_two_factor" in entry.changes_dict

    client.post(reverse("clinic_two_factor"), {"clinicians_need_two_factor": "on"})
    clinic.refresh_from_db()
    assert clinic.clinicians_need_two_factor is True

    client.force_login(physio)
    assert client.post(reverse("clinic_two_factor"), {}).status_code == 403
    clinic.refresh_from_db()
    assert clinic.clinicians_need_two_factor is True


@pytest.mark.django_db(transaction=True)  # allauth records the new app after the commit
def test_an_unverified_address_record_never_blocks_setting_up_two_factor(client, clinic):
    """Issue 24.6: anyone can create an unverified address record for a staff address (a
    password-reset request); the staff member can still set up their authenticator app."""
    from allauth.account.models import EmailAddress

    from rtr.accounts.mfa import current_code

    lead = make_member(clinic=clinic, role=Role.LEAD, two_factor=False)
    Client().post(reverse("account_reset_password"), {"email": lead.email})
    EmailAddress.objects.update_or_create(
        user=lead, email=lead.email, defaults={"verified": False, "primary": True}
    )
    assert EmailAddress.objects.filter(user=lead, verified=False).exists()

    password_only(client, lead)
    assert client.get(reverse("staff_home"))["Location"] == reverse("mfa_activate_totp")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    assert "Set up two-factor sign-in" in page.content.decode()
    done = client.post(
        reverse("mfa_activate_totp"), {"code": current_code(page.context["form"].secret)}
    )
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=lead, type="totp").exists()
    assert client.get(reverse("staff_home")).status_code == 200
