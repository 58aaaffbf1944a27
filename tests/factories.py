"""Plain factory functions. `clinic` is always a required keyword: no hidden second tenant."""

from __future__ import annotations

import itertools
from typing import Any

from rtr.accounts.models import Clinic, Membership, Role, User

_seq = itertools.count(1)

PASSWORD = "correct-horse-battery-9"


def make_clinic(**overrides: Any) -> Clinic:
    overrides.setdefault("name", f"Clinic {next(_seq)}")
    overrides.setdefault("time_zone", "Europe/London")
    return Clinic.objects.create(**overrides)


def make_user(**overrides: Any) -> User:
    n = next(_seq)
    overrides.setdefault("email", f"user{n}@example.org")
    overrides.setdefault("first_name", "Test")
    overrides.setdefault("last_name", f"Person{n}")
    password = overrides.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **overrides)


def make_member(*, clinic: Clinic, role: str = Role.PHYSIO, **overrides: Any) -> User:
    """A user with a membership of `role` in `clinic`."""
    user = make_user(**overrides)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user
