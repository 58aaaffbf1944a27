"""Where beat keeps the last run of each scheduled task.

Celery's PersistentScheduler stores its schedule through `shelve`, and from Python 3.13
`shelve` picks `dbm.sqlite3` first: an SQLite file in WAL mode. On these shared two-core
machines the embedded beat process died twice in CI with `dbm.sqlite3.error: locking
protocol` (SQLITE_PROTOCOL, SQLite giving up on the WAL lock) a few seconds after start, and
with it the outbox relay, so check-ins stopped being evaluated until the worker restarted.

The schedule is a dozen last-run times written by one process, so the plain `dbm.dumb` files
(no locking, no shared memory) are enough, and they behave the same on every Python.
"""

from __future__ import annotations

import dbm.dumb
import shelve
from collections.abc import MutableMapping
from typing import cast

from celery.beat import PersistentScheduler


class ScheduleOnFiles(PersistentScheduler):
    """PersistentScheduler on `dbm.dumb` files (`<schedule>.dat`, `.dir`, `.bak`)."""

    schedule_filename: str

    def _open_schedule(self) -> shelve.Shelf[object]:
        # The shelf owns the files from here: the scheduler closes it on shutdown.
        files = dbm.dumb.open(self.schedule_filename, "c")  # noqa: SIM115
        return shelve.Shelf(cast(MutableMapping[bytes, bytes], files), writeback=True)
