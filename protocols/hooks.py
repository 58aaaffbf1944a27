"""What protocols asks of the apps above it, without importing them.

The warning-sign thresholds (one registry, overridable per clinic) live in `checkins`, above
protocols; a prescription still has to quote the clinic's pain limit for a run. The app that
owns the figure registers the function that reads it, in its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_run_pain_limit: list[Callable[[int], float]] = []


def provide_run_pain_limit(read: Callable[[int], float]) -> None:
    """Register how to read a clinic's pain limit for running (0–10); the last one wins."""
    _run_pain_limit[:] = [read]


def run_pain_limit(clinic_id: int) -> float:
    """The clinic's pain limit during and after a run, from the thresholds registry."""
    if not _run_pain_limit:
        raise ImproperlyConfigured("No app provides the run pain limit (is checkins installed?)")
    return _run_pain_limit[0](clinic_id)
