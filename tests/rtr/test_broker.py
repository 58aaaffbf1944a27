"""`make run`'s embedded broker (rtr/broker.py): a consumer reading while a producer writes
never sees half a message.

kombu's own file-system transport, in the same run, fails within the first few dozen
messages with JSONDecodeError (the crash that stopped `make run`'s worker after 46 minutes,
issue 15): its producer creates the file and then writes it, its consumer can read between.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kombu import Connection

MESSAGES = 1000
BODY = "x" * 200_000  # big enough that writing one takes a while


def _race(transport: str, folder) -> tuple[list[int], list[str]]:
    (folder / "control").mkdir(parents=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    received: list[int] = []
    errors: list[str] = []

    def produce() -> None:
        with Connection("filesystem://", transport=transport, transport_options=options) as conn:
            channel: Any = conn.channel()  # kombu's virtual channel: _put and _get
            for i in range(MESSAGES):
                channel._put("q", {"i": i, "body": BODY})

    def consume() -> None:
        with Connection("filesystem://", transport=transport, transport_options=options) as conn:
            channel: Any = conn.channel()  # kombu's virtual channel: _put and _get
            deadline = time.monotonic() + 60
            while len(received) < MESSAGES and time.monotonic() < deadline:
                try:
                    received.append(channel._get("q")["i"])
                except Exception as exc:
                    if type(exc).__name__ != "Empty":
                        errors.append(type(exc).__name__)

    threads = [threading.Thread(target=consume), threading.Thread(target=produce)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return received, errors


def test_a_consumer_racing_a_producer_gets_every_message_whole(tmp_path):
    received, errors = _race("rtr.broker:Transport", tmp_path / "broker")
    assert errors == []
    assert sorted(received) == list(range(MESSAGES))


def test_make_run_uses_the_safe_transport(settings):
    from rtr.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        with app.connection_for_write() as conn:
            assert type(conn.transport).__module__ == "rtr.broker"
