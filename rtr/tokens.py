"""One way to put a link in an e-mail that finds one row again: a signed token.

An invitation and a sign-in link are the same idea: a row holds a random nonce, the e-mail holds
a token signed with the project's secret that names the row and its nonce, and the page that
receives the token finds the row only when the signature, the row and the nonce all agree.
Revoking or spending a link is the row's business (its own timestamps), so a token never has to
be remembered anywhere else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models


def new_nonce() -> str:
    """The random part a token must match: 128 bits, as hex."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class TokenKind[M: models.Model]:
    """Tokens of one purpose: the salt keeps one kind from being accepted as another.

    `claims` maps each key the token carries to the row's lookup path (`"user__public_id"`).
    """

    salt: str
    claims: dict[str, str]

    def make(self, row: M) -> str:
        values = {
            key: str(attrgetter(path.replace("__", "."))(row)) for key, path in self.claims.items()
        }
        return signing.dumps(values, salt=self.salt, compress=True)

    def find(self, token: str, rows: models.QuerySet[M]) -> M | None:
        """The row this token was made for, or None for a forged, cut or stale token."""
        try:
            payload: Any = signing.loads(token, salt=self.salt)
            lookup = {path: str(payload[key]) for key, path in self.claims.items()}
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        try:
            return rows.filter(**lookup).first()
        except (ValueError, ValidationError):  # a malformed UUID in a well-signed token
            return None
