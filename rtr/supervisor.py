"""`make run`'s supervisor: the web server and one Celery worker (beat embedded), kept running.

Before (issue 15), scripts/run-dev waited on any child: when the worker died (kombu's
file-system transport crashed after about 46 minutes), the web server was stopped with it,
and the worker's traceback was in a log the next start overwrote. Now:

- a process that stops on its own is started again (after 1 s, doubling to 30 s if it keeps
  failing), with a clear line on the terminal saying which, how it ended and where its log is;
- a worker that is up but no longer consuming (issue 24: after a Redis pause) is found by its
  heartbeat task's age (`rtr.health.heartbeat_age_seconds`, the same reading as /health/ and
  `manage.py worker_alive`) and restarted the same way, after a starting worker's grace;
- each process writes to its own log under `<run dir>/logs/` (`web.log`, `worker.log`),
  appended across restarts and runs, each start marked by a line, rotated at 5 MB with five
  old files kept; the web server's lines are also shown on the terminal, as before.

Ctrl-C (or SIGTERM) stops everything. `python -m rtr.supervisor --help` lists the options;
scripts/run-dev passes them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
LIVENESS_EVERY = 10.0  # seconds between heartbeat readings


def say(message: str) -> None:
    """A line for the person at the terminal."""
    print(f"[rtr {time.strftime('%H:%M:%S')}] {message}", flush=True)


def how_it_ended(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def rotating_log(path: Path) -> logging.Logger:
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"rtr.supervisor.{path}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if not logger.handlers:
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    return logger


@dataclass
class Child:
    name: str
    title: str
    command: list[str]
    log_path: Path
    echo: bool = False
    env: dict[str, str] | None = None
    cwd: Path | None = None
    before_start: Callable[[], None] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    starts: int = 0
    backoff: float = 1.0
    restart_at: float | None = None
    stop_reason: str | None = None
    _pump: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.log = rotating_log(self.log_path)

    def start(self) -> None:
        if self.before_start is not None:
            self.before_start()
        self.starts += 1
        self.log.info(
            "----- %s started %s (start %d of this run) -----",
            self.title,
            time.strftime("%Y-%m-%d %H:%M:%S"),
            self.starts,
        )
        self.process = subprocess.Popen(  # noqa: S603 (our own commands, built in main())
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.stop_reason = None
        assert self.process.stdout is not None
        self._pump = threading.Thread(
            target=self._copy_output, args=(self.process.stdout,), daemon=True
        )
        self._pump.start()

    def _copy_output(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log.info("%s", line)
            if self.echo:
                print(line, flush=True)
        stream.close()

    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill_group(self, sig: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        self.kill_group(signal.SIGCONT)  # a paused process cannot act on SIGTERM
        self.kill_group(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_group(signal.SIGKILL)
            self.process.wait(10)
        self.kill_group(signal.SIGKILL)  # whatever it left behind in its group
        if self._pump is not None:
            self._pump.join(2)


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        liveness: Callable[[], float | None] | None = None,
        stale_after: float = 90.0,
        worker_name: str = "worker",
    ) -> None:
        self.children = children
        self.liveness = liveness
        self.stale_after = stale_after
        self.worker_name = worker_name
        self.stopping = threading.Event()
        self._next_liveness = time.monotonic() + LIVENESS_EVERY

    def request_stop(self, *_args: object) -> None:
        self.stopping.set()

    def run(self) -> int:
        for child in self.children:
            child.start()
        try:
            while not self.stopping.wait(0.5):
                self._tick()
        finally:
            for child in self.children:
                child.stop()
        return 0

    def _tick(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start()
                continue
            if child.process is None or child.alive():
                if child.uptime() > 60:
                    child.backoff = 1.0  # it ran well for a minute: start afresh next time
                continue
            code = child.process.wait()
            child.kill_group(signal.SIGKILL)  # e.g. a killed worker's orphaned pool processes
            reason = child.stop_reason or f"stopped unexpectedly ({how_it_ended(code)})"
            say(
                f"{child.title} {reason}; starting it again in {child.backoff:.0f} s. "
                f"Its log: {child.log_path}"
            )
            child.log.info("----- %s %s -----", child.title, reason)
            child.restart_at = now + child.backoff
            child.backoff = min(child.backoff * 2, 30.0)
        if self.liveness is not None and now >= self._next_liveness:
            self._next_liveness = now + LIVENESS_EVERY
            self._check_worker()

    def _check_worker(self) -> None:
        worker = next((c for c in self.children if c.name == self.worker_name), None)
        if worker is None or not worker.alive() or worker.uptime() < self.stale_after:
            return  # not running, or still within a starting worker's grace
        assert self.liveness is not None
        try:
            age = self.liveness()
        except Exception as exc:  # the database is busy or away: judge next time
            worker.log.info("----- liveness check skipped (%s) -----", type(exc).__name__)
            return
        if age is not None and age <= self.stale_after:
            return
        said = "never" if age is None else f"{age:.0f} s ago"
        worker.stop_reason = (
            f"was running but not consuming tasks (last heartbeat {said}): restarted"
        )
        worker.kill_group(signal.SIGCONT)
        worker.kill_group(signal.SIGKILL)


def django_liveness() -> Callable[[], float | None]:
    """The heartbeat age read through Django (the same as /health/)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtr.settings.base")
    import django  # the supervisor starts before Django: it sets the settings first

    django.setup()
    # Only now: these need the apps that django.setup() loads.
    from django.db import connection

    from rtr.health import heartbeat_age_seconds

    def read() -> float | None:
        try:
            return heartbeat_age_seconds()
        finally:
            connection.close()

    return read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--venv", type=Path, default=Path(sys.executable).parents[1])
    parser.add_argument("--concurrency", default="2")
    args = parser.parse_args(argv)

    root = Path(__file__).resolve().parent.parent
    run_dir: Path = args.run_dir
    logs = run_dir / "logs"
    python = str(args.venv / "bin" / "python")
    pidfile = run_dir / "worker.pid"

    def clear_pidfile() -> None:
        pidfile.unlink(missing_ok=True)  # a SIGKILLed worker leaves it behind

    from django.conf import settings  # settings only: no app loading before django.setup()

    liveness = django_liveness()
    stale_after = settings.RTR_WORKER_STALE_AFTER.total_seconds()
    children = [
        Child(
            name="web",
            title="the web server",
            command=[python, "manage.py", "runserver", f"{args.host}:{args.port}"],
            log_path=logs / "web.log",
            echo=True,
            cwd=root,
        ),
        Child(
            name="worker",
            title="the worker (with beat)",
            command=[
                python,
                "-m",
                "celery",
                "-A",
                "rtr",
                "worker",
                "--beat",
                "--loglevel=INFO",
                f"--concurrency={args.concurrency}",
                f"--schedule={run_dir / 'celerybeat-schedule'}",
                f"--pidfile={pidfile}",
                "--without-gossip",
                "--without-mingle",
            ],
            log_path=logs / "worker.log",
            cwd=root,
            before_start=clear_pidfile,
        ),
    ]
    supervisor = Supervisor(children, liveness=liveness, stale_after=stale_after)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
