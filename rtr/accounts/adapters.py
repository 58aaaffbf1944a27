from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """No self sign-up: staff are added by their clinic, athletes are invited by their physio."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "The e-mail address and password do not match an account. Check both and try again."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
