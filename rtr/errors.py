"""The ways a service says no, so that a view can answer with the right status.

Services raise Django's `ValidationError` for input that is wrong (the form shows it, 400).
The two subclasses here say something more precise, and views never have to read the message
to tell them apart:

- `Conflict`: the request clashes with the record's current state (a flag already closed,
  a plan already confirmed, a version already published): 409.
- `Refused`: the request is well formed but a rule forbids it here (a stage that needs a
  specialist's sign-off, an erased patient's record): 409 as well, worded as a refusal.

Both stay `ValidationError`s, so code that catches that still catches them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The record is not in a state that allows this (HTTP 409)."""


class Refused(ValidationError):
    """A rule forbids this for the record as it is (HTTP 409)."""


def status_for(error: ValidationError) -> int:
    """The HTTP status a view answers with for a service's error."""
    return 409 if isinstance(error, Conflict | Refused) else 400
