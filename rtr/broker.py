"""`make run`'s embedded broker: kombu's file-system transport, made safe for concurrent use.

Why this one (issue 15): `make run` must need no server. The options were
- kombu's file-system transport as shipped: its worker died after about 46 minutes with
  `Unrecoverable error: JSONDecodeError`. The cause is a race in the transport: a producer
  creates the message file (`open(..., "wb")`, visible at once, empty) and only then writes
  it, while a consumer lists the folder, moves the file away and reads it: half a message,
  which `json.loads` refuses, inside the consumer loop. The advisory lock the producer takes
  does not stop the move. `tests/rtr/test_broker.py` reproduces it in seconds.
- kombu's SQLAlchemy transport: not installed (SQLAlchemy would be a large dependency for a
  development default), and it polls a table the same way.
- Redis: needs a server, which `make run` promises not to.
- No broker at all for the outbox relay: possible, but e-mails, the System page's test task
  and the reminders still go through Celery, so a broker is needed anyway.
So the transport stays, with its race closed here: a message is written under a name that no
consumer looks at and renamed into place when complete (a rename is atomic on one file
system), and a message that still cannot be decoded (written by an older version) is logged
and skipped instead of stopping the worker. The exchange table read gets the same tolerance
for the moment between its creation and its first write.

Selected in settings by `CELERY_BROKER_TRANSPORT` when `CELERY_BROKER_URL` is `filesystem://`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Not "<x>.<queue>.msg": no consumer picks it up before the rename.
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4()}")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise filesystem.ChannelError(
                f"Cannot add a message to {self.data_folder_out}"
            ) from exc

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        for _attempt in range(100):
            try:
                return super()._get(queue)
            except (json.JSONDecodeError, UnicodeDecodeError):
                # The file was already moved away and removed: only this message is lost.
                logger.error("skipped an unreadable message on queue %s", queue)
        raise filesystem.Empty()

    def get_table(self, exchange: str) -> Any:
        for _attempt in range(20):
            try:
                return super().get_table(exchange)
            except json.JSONDecodeError:
                time.sleep(0.01)  # created, not yet written: read it again
        return []


class Transport(filesystem.Transport):
    Channel = Channel
