from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
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


class MFAAdapter(DefaultMFAAdapter):
    """Whoever must use a second factor cannot switch their authenticator app off."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from .mfa import two_factor_required
        from .tenancy import memberships_of

        if authenticator.type != authenticator.Type.TOTP:
            return True
        user = authenticator.user
        return not two_factor_required(user, memberships_of(user))
