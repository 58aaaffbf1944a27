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
from collections.abc import Iterator
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
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
            raise ChannelError(f"Cannot add a message to {self.data_folder_out}") from exc

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        for _attempt in range(100):
            try:
                return super()._get(queue)
            except (json.JSONDecodeError, UnicodeDecodeError):
                # The file was already moved away and removed: only this message is lost.
                logger.error("skipped an unreadable message on queue %s", queue)
        raise Empty()

    def get_table(self, exchange: str) -> Any:
        for _attempt in range(20):
            try:
                return super().get_table(exchange)
            except json.JSONDecodeError:
                time.sleep(0.01)  # created, not yet written: read it again
        return []


class Transport(filesystem.Transport):
    Channel = Channel


# --- Redis (issue 24.1) -----------------------------------------------------------------------
# kombu's Redis transport, with two failures of a broker outage fixed where they happen. Both
# were seen by the outside probe and reproduced by tests/rtr/test_broker_outage.py; neither is
# fixed upstream in kombu 5.7 (the newest release; kombu issues #582 and #970 describe the
# first, closed without a fix for this path).
#
# 1. A pause (SIGSTOP) longer than the socket timeout: the worker's acknowledgement of the
#    task it had just run timed out ("Couldn't ack ... TimeoutError"), the message stayed in
#    the channel's count of unacknowledged deliveries, and with a prefetch of one the worker
#    never asked for another: alive, connected, idle for good. `QoS.ack` / `reject` here free
#    the slot even when Redis did not answer; the entry left in Redis' unacked index is
#    restored after the visibility timeout and runs again, which every RTR task allows
#    (idempotent by design: a flag, a notification, an e-mail once).
# 2. After an outage, a channel restoring its unacknowledged messages (`restore_unacked`, when
#    the consumer reconnects or the channel is collected) asked its transport for the
#    connection details after the old connection had cleared them: `AttributeError: 'NoneType'
#    object has no attribute 'hostname'`, "Unrecoverable error", the worker exited. The
#    channel here keeps the details it was created with and uses them for that late restore.

#
# celery-types' stubs leave out the private parts of kombu's Redis transport used here
# (`_remove_from_indices`, `connection_errors`, `_connparams`): those lines say so to mypy.

from kombu.transport import redis as kombu_redis  # noqa: E402


class RedisQoS(kombu_redis.QoS):
    def ack(self, delivery_tag: Any) -> None:
        with self._slot_freed(delivery_tag, "an acknowledgement"):
            self._remove_from_indices(delivery_tag).execute()  # type: ignore[attr-defined]

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        with self._slot_freed(delivery_tag, "a rejection"):
            if requeue:
                self.restore_by_tag(delivery_tag, leftmost=True)
            else:
                self._remove_from_indices(delivery_tag).execute()  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def _slot_freed(self, delivery_tag: Any, what: str) -> Iterator[None]:
        """Free the prefetch slot whatever Redis answers; an unanswered call is only logged."""
        try:
            yield
        except self.channel.connection_errors as exc:  # type: ignore[attr-defined]
            logger.warning(
                "broker did not answer %s (%s): the message is restored after the visibility "
                "timeout",
                what,
                type(exc).__name__,
            )
        finally:
            virtual.QoS.ack(self, delivery_tag)


class RedisChannel(kombu_redis.Channel):
    QoS = RedisQoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rtr_conninfo = self.connection.client

    def _connparams(self, asynchronous: bool = False) -> Any:
        transport = self.connection
        if transport.client is not None or self._rtr_conninfo is None:
            return super()._connparams(asynchronous)  # type: ignore[misc]
        transport.client = self._rtr_conninfo  # the connection closed under us: see 2. above
        try:
            return super()._connparams(asynchronous)  # type: ignore[misc]
        finally:
            transport.client = None


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel
