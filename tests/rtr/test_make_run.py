"""`make run`'s script end to end: web + worker + beat on SQLite and the file-system broker.

Starts scripts/run-dev (what `make run` calls) with its own state folder and port, signs in as
the demo physio over HTTP, sends a test task from the System page and waits until the worker
that the script started has done it. No PostgreSQL, no Redis.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str], csrf_from: str) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', csrf_from)
        assert token, "no CSRF token on the page"
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()


def test_make_run_serves_sign_in_and_its_worker_runs_a_task_from_a_page(tmp_path):
    port = free_port()
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
        }
    }
    env.update(
        {
            "PORT": str(port),
            "RTR_RUN_DIR": str(tmp_path / "run"),
            "VENV": str(Path(os.sys.executable).parents[1]),
        }
    )
    env.pop("RTR_BROKER_DIR", None)
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run-dev")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        browser = Browser(base)
        deadline = time.monotonic() + 120
        login_page = ""
        while time.monotonic() < deadline:
            try:
                login_page = browser.get("/accounts/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, (tmp_path / "run.log").read_text()
                time.sleep(0.5)
        assert "Sign in" in login_page, (tmp_path / "run.log").read_text()

        home = browser.post(
            "/accounts/login/",
            {"login": "physio@demo.rtr", "password": "rtr-demo-2026"},
            login_page,
        )
        assert "Dashboard" in home

        status = browser.get("/system/")
        browser.post("/system/probe/", {}, status)
        deadline = time.monotonic() + 60
        done = False
        while time.monotonic() < deadline and not done:
            done = "done by the worker" in browser.get("/system/")
            time.sleep(0.5)
        assert done, (tmp_path / "run" / "logs" / "worker.log").read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
