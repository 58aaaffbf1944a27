"""Failed sign-ins that cannot be turned against the owner (issue 24.3, 24.4).

Wrong passwords are throttled per account *and* address; an account is locked from every
address only after many failures spread over many addresses, and a password reset by e-mail
lifts that lock. Wrong second-factor codes are throttled per account, whatever the address.
The e-mail is normalised (case, whitespace) before it is counted.
"""

from __future__ import annotations

import re

from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, authenticator_code

LOGIN = reverse("account_login")
STRANGER, OWNER = "203.0.113.7", "198.51.100.20"


def attempt(email: str, password: str, *, ip: str, client: Client | None = None):
    return (client or Client()).post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] in (
        reverse("mfa_authenticate"),
        reverse("home"),
        "/",
    )


def test_five_wrong_passwords_from_a_stranger_do_not_stop_the_owner(physio):
    for _ in range(5):
        assert attempt(physio.email, "wrong-password-1", ip=STRANGER).status_code == 200
    # The stranger's address is throttled for this account, even with the right password...
    refused = attempt(physio.email, PASSWORD, ip=STRANGER)
    assert not signed_in(refused) and "Too many failed attempts" in refused.content.decode()
    # ...the owner, from their own address, signs in at once.
    assert signed_in(attempt(physio.email, PASSWORD, ip=OWNER))


def test_case_and_whitespace_variants_count_as_one_account(physio):
    variants = [
        physio.email.upper(),
        f"  {physio.email}  ",
        physio.email.capitalize(),
        f"\t{physio.email.upper()} ",
        physio.email,
    ]
    for login in variants:
        assert attempt(login, "wrong-password-1", ip=STRANGER).status_code == 200
    assert (
        "Too many failed attempts" in attempt(physio.email, PASSWORD, ip=STRANGER).content.decode()
    )
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {physio.email.lower()}
    assert AccessAttempt.objects.get().failures_since_start == 5
    assert signed_in(attempt(f" {physio.email.upper()} ", PASSWORD, ip=OWNER))


def _spread_failures(email: str, count: int) -> None:
    """`count` wrong passwords, at most 4 from each address (below the per-pair throttle)."""
    for i in range(count):
        response = attempt(email, "wrong-password-1", ip=f"10.0.{i // 4}.{i % 4 + 1}")
        assert response.status_code in (200, 429)


def test_the_account_is_locked_only_after_many_failures_and_a_reset_lifts_it(
    client, physio, settings
):
    assert settings.AXES_FAILURE_LIMIT >= 30  # much higher than the per-pair 5
    _spread_failures(physio.email, settings.AXES_FAILURE_LIMIT - 1)
    assert signed_in(attempt(physio.email, PASSWORD, ip=OWNER))  # one short: still not locked

    _spread_failures(physio.email, settings.AXES_FAILURE_LIMIT)
    locked = attempt(physio.email, PASSWORD, ip=OWNER)
    assert locked.status_code == 429 and "locked for 15 minutes" in locked.content.decode()
    assert "reset your password by e-mail: that ends the lock" in locked.content.decode()

    # The owner recovers by e-mail: a password reset lifts the lock.
    client.post(reverse("account_reset_password"), {"email": physio.email}, REMOTE_ADDR=OWNER)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert link
    page = client.get(link.group(1), follow=True, REMOTE_ADDR=OWNER)
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        page.redirect_chain[-1][0],
        {"password1": new_password, "password2": new_password},
        REMOTE_ADDR=OWNER,
    )
    assert done.status_code == 302
    assert signed_in(attempt(physio.email, new_password, ip=OWNER))


def test_eleven_wrong_second_factor_codes_from_several_addresses_are_throttled(lead):
    """Someone with the password cannot guess the code by moving between addresses."""
    answers = []
    for n in range(11):
        ip = f"192.0.2.{n % 4 + 1}"
        client = Client(REMOTE_ADDR=ip)
        assert client.post(LOGIN, {"login": lead.email, "password": PASSWORD}).status_code == 302
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        answers.append(response.content.decode())
    throttled = [a for a in answers if "Too many failed attempts" in a]
    assert len(throttled) >= 6, [("Incorrect code" in a) for a in answers]
    # Even the right code is refused while the account's limit lasts, from yet another address.
    client = Client(REMOTE_ADDR="192.0.2.99")
    client.post(LOGIN, {"login": lead.email, "password": PASSWORD})
    right = client.post(reverse("mfa_authenticate"), {"code": authenticator_code(lead)})
    assert right.status_code == 200 and "Too many failed attempts" in right.content.decode()
    assert client.get(reverse("staff_home")).status_code == 302


def test_allauths_per_account_limit_is_kept_beside_the_per_address_one(settings):
    parts = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    assert any(p.endswith("/ip") for p in parts) and any(p.endswith("/key") for p in parts)


def test_a_locked_out_athlete_still_signs_in_with_the_e_mailed_link(
    clinic, physio, athlete, settings
):
    from checkins import services
    from tests.patients.factories import make_patient

    patient = make_patient(clinic=clinic, physio=physio)
    patient.user = athlete
    patient.save()
    _spread_failures(athlete.email, settings.AXES_FAILURE_LIMIT)
    assert attempt(athlete.email, PASSWORD, ip=OWNER).status_code == 429  # locked
    link = services.signin_link_create(user=athlete)
    client = Client(REMOTE_ADDR=OWNER)
    response = client.get("/login/link/" + link.rsplit("/link/", 1)[1])
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(athlete.pk)
