# gunicorn reads this file from the directory it starts in (the repository root, /app in the
# image). Access and error lines go through RTR's redaction: no sign-in link, invitation or
# password-reset secret and no e-mail address is ever written (issue 24.5).
from __future__ import annotations

logger_class = "rtr.gunicorn_logging.RedactingLogger"
