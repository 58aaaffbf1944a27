"""Issue 15.1 and 24.1: `make run`'s processes stay up, and come back when they do not.

scripts/run-dev (what `make run` calls) on its defaults: SQLite and the embedded file-system
broker, no server of any kind.

- The soak: for RTR_SOAK_SECONDS (600, the issue's ten minutes, unless set), every few seconds
  an athlete checks in, a physio opens a page and sends a task from the System page. Part way
  through, the worker is killed with SIGKILL: the supervisor says so on the terminal and starts
  it again, the web server answers every request throughout, nothing else stops, every task
  sent is done and every check-in evaluated, and the worker's log holds both runs.
- A worker made idle (SIGSTOP: up, holding its connections, consuming nothing) is found by its
  heartbeat's age and restarted, on the embedded broker and on a real Redis the test starts; a second `make run` in the same folder keeps the first run's
  logs; an idle minute adds no line about the every-second relay to the log.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from tests.rtr.test_fresh_clone import fresh_clone
from tests.rtr.test_make_run import Browser, free_port

PASSWORD = "rtr-demo-2026"
ATHLETES = ["athlete@demo.rtr", "athlete2@demo.rtr", "athlete3@demo.rtr"]
SOAK_SECONDS = float(os.environ.get("RTR_SOAK_SECONDS", "600"))
STALE_SECONDS = 20  # the heartbeat's stale age in these runs (90 by default)

pytestmark = pytest.mark.slow


class MakeRun:
    """scripts/run-dev of a copy of the tracked files (a fresh clone: what runs is what is
    committed, and an edit of the working tree does not reload it mid-run), in its own folder
    and port, its terminal output in a file."""

    def __init__(
        self, root: Path, run_dir: Path, terminal: Path, env: dict[str, str] | None = None
    ) -> None:
        self.root = root
        self.extra_env = env or {}
        self.run_dir = run_dir
        self.terminal = terminal
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "DATABASE_URL",
                "CELERY_BROKER_URL",
                "DJANGO_SETTINGS_MODULE",
                "CACHE_URL",
                "EMAIL_URL",
                "RTR_BROKER_DIR",
            }
        }
        env.update(
            {
                "PORT": str(self.port),
                "RTR_RUN_DIR": str(self.run_dir),
                "VENV": str(Path(sys.executable).parents[1]),
                "RTR_HEARTBEAT_SECONDS": "5",
                "RTR_WORKER_STALE_SECONDS": str(STALE_SECONDS),
                **self.extra_env,
            }
        )
        self.process = subprocess.Popen(
            [str(self.root / "scripts" / "run-dev")],
            cwd=self.root,
            env=env,
            stdout=self.terminal.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                Browser(self.base).get("/accounts/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, self.said()
                time.sleep(0.5)
        assert self.wait(lambda: self.worker_pid() is not None, 60), self.said()
        # Ready when the worker has run its first heartbeat.
        assert self.wait(lambda: self.query("SELECT count(*) FROM rtr_workerheartbeat") > 0, 90)

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def said(self) -> str:
        return self.terminal.read_text(errors="replace")

    def worker_log(self) -> str:
        return (self.run_dir / "logs" / "worker.log").read_text(errors="replace")

    def worker_pid(self) -> int | None:
        try:
            return int((self.run_dir / "worker.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def query(self, sql: str) -> int:
        with sqlite3.connect(self.run_dir / "db.sqlite3", timeout=20) as db:
            return int(db.execute(sql).fetchone()[0])

    @staticmethod
    def wait(predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return True
            except (sqlite3.OperationalError, OSError):
                pass
            time.sleep(0.5)
        return False


def signed_in(base: str, email: str) -> Browser:
    browser = Browser(base)
    page = browser.get("/accounts/login/")
    browser.post("/accounts/login/", {"login": email, "password": PASSWORD}, page)
    return browser


def check_in(browser: Browser, fatigue: int) -> None:
    page = browser.get("/me/")
    day = re.search(r'name="date"[^>]*value="(\d{4}-\d{2}-\d{2})"', page)
    assert day, page[:2000]
    browser.post(
        "/me/checkin/",
        {
            "date": day.group(1),
            "pain_rest": "0",
            "pain_next_morning": "0",
            "focal_tenderness": "none",
            "swelling": "none",
            "session_done": "as_prescribed",
            "pain_during": "1",
            "pain_after": "0",
            "run_minutes": "8",
            "walk_minutes": "12",
            "cross_training_minutes": "0",
            "session_rpe": "3",
            "sleep_hours": "7.5",
            "sleep_quality": "4",
            "fatigue": str(fatigue),
            "stress": "2",
            "confidence": "7",
            "fuelling_adequate": "yes",
        },
        page,
    )


def test_make_run_soak_survives_a_killed_worker_and_keeps_both_logs(tmp_path):
    run = MakeRun(fresh_clone(tmp_path / "rtr"), tmp_path / "run", tmp_path / "terminal.log")
    run.start()
    try:
        physio = signed_in(run.base, "physio@demo.rtr")
        athletes = [signed_in(run.base, email) for email in ATHLETES]
        first_pid = run.worker_pid()
        killed_at = time.monotonic() + SOAK_SECONDS / 3
        killed = False
        tasks = 0
        started = time.monotonic()
        i = 0
        while time.monotonic() - started < SOAK_SECONDS:
            i += 1
            # A check-in, a page view and a task, every few seconds; each must answer.
            check_in(athletes[i % len(athletes)], fatigue=1 + i % 9)
            assert "Dashboard" in physio.get("/")
            status = physio.get("/system/")
            physio.post("/system/probe/", {}, status)
            tasks += 1
            if not killed and time.monotonic() >= killed_at:
                assert first_pid is not None
                os.kill(first_pid, signal.SIGKILL)
                killed = True
            time.sleep(3)
        assert killed
        # The worker came back as a new process, and the supervisor said why.
        assert run.wait(lambda: run.worker_pid() not in (None, first_pid), 60), run.said()
        said = run.said()
        assert "the worker (with beat) stopped unexpectedly (killed by SIGKILL)" in said
        assert said.count("stopped unexpectedly") == 1, said  # nothing else stopped
        # Everything sent was done, everything saved was evaluated (the task sent while the
        # worker was being killed included: acks_late puts it back).
        assert run.wait(
            lambda: run.query("SELECT count(*) FROM rtr_taskprobe WHERE completed_at IS NULL") == 0,
            90,
        ), run.worker_log()[-5000:]
        assert run.query("SELECT count(*) FROM rtr_taskprobe") >= tasks
        assert run.wait(
            lambda: (
                run.query("SELECT count(*) FROM checkins_checkin WHERE evaluated_at IS NULL") == 0
            ),
            60,
        )
        # The log of both runs of the worker, the SIGKILL between them.
        log = run.worker_log()
        first, second = log.index("(start 1 of this run)"), log.index("(start 2 of this run)")
        assert first < log.index("killed by SIGKILL") < second
        assert "celery@" in log[first:second] and "ready." in log[second:]
        assert "Unrecoverable error" not in log
    finally:
        run.stop()


@pytest.fixture(params=["file-system broker", "redis broker"])
def broker_env(request, tmp_path):
    """make run's own broker, or a real Redis started by the test on its own port."""
    if request.param == "file-system broker":
        yield {}
        return
    from tests.conftest import service_unavailable
    from tests.redis_server import RedisServer, redis_server_missing

    reason = redis_server_missing()
    if reason:
        service_unavailable(reason)
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield {"CELERY_BROKER_URL": server.url()}
    finally:
        server.stop()


def test_make_run_restarts_an_idle_worker_and_keeps_the_logs_of_every_run(tmp_path, broker_env):
    root, run_dir = fresh_clone(tmp_path / "rtr"), tmp_path / "run"
    first = MakeRun(root, run_dir, tmp_path / "terminal-1.log", broker_env)
    first.start()
    first.stop()

    run = MakeRun(root, run_dir, tmp_path / "terminal-2.log", broker_env)
    run.start()
    try:
        # Quiet: a minute's worth of the every-second relay leaves no line in the log.
        size = len(run.worker_log())
        time.sleep(20)  # the quiet window being measured, not a wait for an event
        quiet = run.worker_log()[size:]
        assert "evaluate_pending" not in quiet and "evaluate-pending-checkins" not in quiet
        assert len(quiet) < 5000, quiet

        pid = run.worker_pid()
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # up, connected, consuming nothing
        assert run.wait(lambda: run.worker_pid() not in (None, pid), STALE_SECONDS + 90), run.said()
        assert "was running but not consuming tasks" in run.said()
        # The new worker consumes: a task from the System page is done.
        physio = signed_in(run.base, "physio@demo.rtr")
        physio.post("/system/probe/", {}, physio.get("/system/"))
        assert run.wait(
            lambda: run.query("SELECT count(*) FROM rtr_taskprobe WHERE completed_at IS NULL") == 0,
            60,
        ), run.worker_log()[-5000:]
        # Both `make run`s are in the log, and the idle worker's restart.
        log = run.worker_log()
        assert log.count("(start 1 of this run)") == 2
        assert "(start 2 of this run)" in log
    finally:
        run.stop()
