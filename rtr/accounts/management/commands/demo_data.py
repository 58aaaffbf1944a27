"""Create the demo clinics and people (idempotent: a second run changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from rtr.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_data_load


class Command(BaseCommand):
    help = "Creates a demo clinic with a lead, two physios, a coach and athletes (known passwords)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            report = demo_data_load()
        verbosity = options["verbosity"]
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data ready ({report.created} new records).")
            )
            self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
            for role, email in report.logins:
                self.stdout.write(f"  {role:<16} {email}")
            self.stdout.write(
                "Leads also enter a code from an authenticator app: add the secret "
                f"{DEMO_TOTP_SECRET}, or print the current code with `make demo-code`."
            )
