"""Demo clinics and people for `manage.py demo_data` and `make run`.

Idempotent: records are found by their e-mail or name and created only when missing;
existing passwords are never reset. Later apps add their own demo records on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from .mfa import current_code
from .models import Clinic, Membership, Role, User

DEMO_PASSWORD = "rtr-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only

# The demo lead's authenticator secret (RFC 4648 base32). Leads always sign in with a second
# factor; add this secret to an authenticator app, or print the current code with
# `manage.py demo_code`. Demo accounts only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

DEMO_CLINIC = "Riverside Sports Physiotherapy"
OTHER_CLINIC = "Harbour Running Clinic"

DEMO_PEOPLE: list[tuple[str, str, str, str, str]] = [
    # clinic, role, e-mail, first name, last name
    (DEMO_CLINIC, Role.LEAD, "lead@demo.rtr", "Laura", "Lead"),
    (DEMO_CLINIC, Role.PHYSIO, "physio@demo.rtr", "Priya", "Physio"),
    (DEMO_CLINIC, Role.PHYSIO, "physio2@demo.rtr", "Tom", "Okafor"),
    (DEMO_CLINIC, Role.COACH, "coach@demo.rtr", "Carla", "Coach"),
    (DEMO_CLINIC, Role.ATHLETE, "athlete@demo.rtr", "Alex", "Runner"),
    (DEMO_CLINIC, Role.ATHLETE, "athlete2@demo.rtr", "Sam", "Strider"),
    (DEMO_CLINIC, Role.ATHLETE, "athlete3@demo.rtr", "Jo", "Miles"),
    (OTHER_CLINIC, Role.LEAD, "lead@harbour.rtr", "Hana", "Harbour"),
    (OTHER_CLINIC, Role.PHYSIO, "physio@harbour.rtr", "Ben", "Harbour"),
    (OTHER_CLINIC, Role.ATHLETE, "athlete@harbour.rtr", "Ola", "Harbour"),
]


@dataclass
class DemoReport:
    created: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


# Apps above this one add their demo records through this list (from AppConfig.ready), so the
# command never imports upwards. Each loader returns how many records it created.
DEMO_LOADERS: list[tuple[int, Callable[[], int]]] = []


def register_demo_loader(loader: Callable[[], int], *, order: int) -> None:
    if all(existing is not loader for _order, existing in DEMO_LOADERS):
        DEMO_LOADERS.append((order, loader))


def demo_data_load() -> DemoReport:
    report = _demo_people_load()
    for _order, loader in sorted(DEMO_LOADERS, key=lambda item: item[0]):
        report.created += loader()
    return report


def _demo_people_load() -> DemoReport:
    report = DemoReport()
    clinics: dict[str, Clinic] = {}
    for name, zone in ((DEMO_CLINIC, "Europe/London"), (OTHER_CLINIC, "Australia/Sydney")):
        # The demo lets physios and coaches try the app with a password alone (new clinics
        # require a second factor of them); leads always need one.
        clinic, created = Clinic.objects.get_or_create(
            name=name,
            defaults={
                "time_zone": zone,
                "clinicians_need_two_factor": False,
                # The written plan's letterhead (made-up details).
                "address": "1 Demo Street, Riverside" if zone == "Europe/London" else "",
                "phone": "+44 20 7946 0999" if zone == "Europe/London" else "",
                "contact_email": "clinic@demo.rtr" if zone == "Europe/London" else "",
            },
        )
        clinics[name] = clinic
        report.created += created
    for clinic_name, role, email, first, last in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
            report.created += 1
        _membership, created = Membership.objects.get_or_create(
            user=user, clinic=clinics[clinic_name], defaults={"role": role}
        )
        report.created += created
        if role == Role.LEAD:
            report.created += _demo_authenticator_add(user)
        if clinic_name == DEMO_CLINIC:
            report.logins.append((str(Role(role).label), email))
    return report


def _demo_authenticator_add(user: User) -> int:
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return 0
    TOTP.activate(user, DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)
    return 1


def demo_code() -> str:
    """The demo lead's current authenticator code."""
    return current_code(DEMO_TOTP_SECRET)
