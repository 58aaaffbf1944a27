"""gunicorn's logger with RTR's redaction: the access log and the error log never carry a link
secret or an e-mail address (issue 24.5). gunicorn.conf.py at the repository root selects it,
so every `gunicorn` started from the project (the Dockerfile, docker compose) uses it."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from rtr.logging import RedactFilter


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(RedactFilter())
            for handler in log.handlers:
                handler.addFilter(RedactFilter())
