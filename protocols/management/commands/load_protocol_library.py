"""Create the shared template library where it is missing (it is also loaded after migrate)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from protocols.library import load_library


class Command(BaseCommand):
    help = (
        "Creates the shared, read-only protocol templates of the clinical reference (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_library()
        if options["verbosity"]:
            self.stdout.write(f"{created} library template(s) created.")
