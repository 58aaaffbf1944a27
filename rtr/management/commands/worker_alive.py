"""`manage.py worker_alive`: exit 0 while a Celery worker is consuming, 1 when it is not.

The liveness check of issue 24: a worker can be up and connected yet consume nothing (seen
after a Redis pause), which a restart policy never notices. The heartbeat task (beat sends it
every RTR_HEARTBEAT_SECONDS, 30 by default) proves that tasks are really being run; when the
newest heartbeat is older than RTR_WORKER_STALE_SECONDS (90), the worker is not consuming.

For any supervisor: run it every 30 s or so and restart the worker when it exits 1 (give a
starting worker RTR_WORKER_STALE_SECONDS of grace). The compose file's worker healthcheck runs
`worker_alive --kill-stale`, which also ends the worker process named in `--pidfile` so that
the container stops and its restart policy starts a fresh one (a plain compose healthcheck
only marks a container unhealthy). `make run`'s supervisor does the same itself.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rtr.health import OK, check_worker, heartbeat_age_seconds


class Command(BaseCommand):
    help = "Exit 0 when a Celery worker recorded a heartbeat recently, 1 when it is stale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kill-stale",
            action="store_true",
            help="when stale, SIGKILL the worker whose pid is in --pidfile",
        )
        parser.add_argument("--pidfile", help="the worker's --pidfile (needed by --kill-stale)")

    def handle(self, *args: Any, **options: Any) -> None:
        state = check_worker()
        age = heartbeat_age_seconds()
        if state == OK:
            self.stdout.write(f"worker: ok (heartbeat {age:.0f} s ago)")
            return
        said = f"worker: {state}" + (f" (heartbeat {age:.0f} s ago)" if age is not None else "")
        if options["kill_stale"] and options["pidfile"]:
            said += self._kill_stale(Path(options["pidfile"]))
        raise CommandError(said, returncode=1)

    def _kill_stale(self, pidfile: Path) -> str:
        """SIGKILL the worker, unless it started less than the stale age ago (its grace)."""
        try:
            pid = int(pidfile.read_text().strip())
            started = pidfile.stat().st_mtime  # written by the worker as it starts
        except (OSError, ValueError):
            return "; no worker pid file"
        if time.time() - started < settings.RTR_WORKER_STALE_AFTER.total_seconds():
            return "; the worker is still starting"
        if pid <= 1:
            return ""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return ""
        return f"; killed worker process {pid}"
