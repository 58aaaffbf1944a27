"""Structured logs: one JSON object per line, each with the request id of the request it
belongs to. Logs carry ids and events only: never patient details or check-in contents
(a test scans the logs of a full journey for them), and never a secret of a link or an e-mail
address: `RedactFilter` strips them from every line, Django's and gunicorn's alike."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("rtr_request_id", default="-")
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (a proxy's X-Request-ID if well-formed), echoed in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


# Paths whose last part is a bearer secret: the athlete's sign-in link, the invitation, allauth's
# password-reset key. The part after the prefix is replaced up to the next slash, space or quote.
SECRET_PATH = re.compile(
    r"(/(?:login/link|invite|accounts/password/reset/key)/)[^/\s'\"?#]+",
)
EMAIL_ADDRESS = re.compile(r"[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text without link secrets and e-mail addresses."""
    return EMAIL_ADDRESS.sub("[e-mail]", SECRET_PATH.sub(rf"\1{REDACTED}", text))


class RedactFilter(logging.Filter):
    """Strips link secrets and e-mail addresses from a record: its message, the request that
    Django's request logging attaches, other text fields and the traceback (issue 24.5)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            method, path = getattr(request, "method", ""), getattr(request, "path", "")
            record.request = redact(f"<{method} {path}>")
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and key not in {"msg", "levelname", "name", "asctime"}:
                cleaned = redact(value)
                if cleaned != value:
                    setattr(record, key, cleaned)
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
