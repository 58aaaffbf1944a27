"""Log filters that keep the logs readable through a long run.

- `QuietRelayFilter`: the outbox relay (`checkins.evaluate_pending`) runs every second; beat's
  "Sending due task", the worker's "received" and "succeeded" lines for it grew the log by
  about 1.2 MB an hour (issue 15). Those three INFO lines are dropped for the relay alone;
  its warnings and errors, and every other task's lines, stay.
"""

from __future__ import annotations

import logging

RELAY_NAMES = ("checkins.evaluate_pending", "evaluate-pending-checkins")


class QuietRelayFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        return not any(name in message for name in RELAY_NAMES)
