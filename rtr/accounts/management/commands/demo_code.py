"""Print the demo lead's current authenticator code (demo accounts only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rtr.accounts.demo import demo_code


class Command(BaseCommand):
    help = "Prints the 6-digit code the demo clinic lead needs after their password."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(demo_code())
