from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.utils.translation import gettext_lazy as _

from .lockout import normalise_email
from .mfa import two_factor_required
from .tenancy import memberships_of

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
        "too_many_login_attempts": _(
            "Too many failed attempts. Try again in 15 minutes, or reset your password by e-mail."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The key allauth counts failed passwords under (ACCOUNT_RATE_LIMITS "login_failed"):
        the account, its e-mail normalised, *and* the address the attempt came from, so a
        stranger's wrong passwords never throttle the owner signing in from elsewhere (issue
        24.4). Second-factor codes keep allauth's own per-account key."""
        email = normalise_email(credentials.get("email") or credentials.get("username") or "")
        return f"password:{email}:{self.get_client_ip(request)}"


class MFAAdapter(DefaultMFAAdapter):
    """Whoever must use a second factor cannot switch their authenticator app off."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type != authenticator.Type.TOTP:
            return True
        user = authenticator.user
        return not two_factor_required(user, memberships_of(user))
