"""What the benchmark's phases share: processes it starts, HTTP sessions and client, and
the database helpers (bench clinics, today's check-in form, scans)."""

from __future__ import annotations

import http.client
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as SessionRow
from django.db import connection
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.environment import ROOT, child_env
from bench.generate.caseload import CLINIC_PREFIX, ZONE
from checkins.warning_signs.evaluation import HISTORY_DAYS
from patients.models import Patient
from rtr.accounts.models import Clinic, User
from rtr.accounts.sessions import LAST_SEEN, SIGNED_IN_AT

CLIENT_LEVELS = (1, 8, 32)
WARM_UP = 16  # requests per page before measuring (4 gunicorn workers)
WARNING_CHECKINS = 200
TARGETS = {
    "checkin_vs_bare_at_8": 0.60,
    "page_p95_ms": 150.0,
    "sweep_vs_scan": 3.0,
    "sweep_linearity": 1.5,
    "commit_to_flag_p95_s": 1.0,
}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, args: list[str], workdir: Path, **env: str) -> Process:
    log_path = workdir / f"{name}.log"
    handle = log_path.open("wb")
    popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        args, cwd=ROOT, env=child_env(**env), stdout=handle, stderr=subprocess.STDOUT
    )
    return Process(name, popen, log_path)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"bench: timed out waiting for {what}")


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Session:
    user_id: int
    key: str


class Client:
    """One keep-alive HTTP client with its cookies: one simulated browser."""

    def __init__(self, port: int, csrf: str) -> None:
        self.port = port
        self.csrf = csrf
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, session: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        headers = {"Cookie": f"sessionid={session}; csrftoken={self.csrf}"}
        data = None
        if body is not None:
            data = urlencode({**body, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, content, elapsed


def make_sessions(user_ids: list[int]) -> dict[int, str]:
    """Signed-in sessions written directly (what sign-in stores), without the sign-in form."""

    now = time.time()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys: dict[int, str] = {}
    rows = []
    store = SessionStore()
    for user in User.objects.filter(pk__in=user_ids).only("pk", "password"):
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SIGNED_IN_AT: now,
            LAST_SEEN: now,
        }
        rows.append(
            SessionRow(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        keys[user.pk] = key
    SessionRow.objects.bulk_create(rows, batch_size=2000)
    return keys


def drop_sessions(keys: list[str]) -> None:
    SessionRow.objects.filter(session_key__in=keys).delete()


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
    }


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "rtr", *args, "--loglevel=INFO"]


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def hwm_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- Database helpers ------------------------------------------------------------------------


def bench_clinic_ids() -> list[int]:
    return list(Clinic.objects.filter(name__startswith=CLINIC_PREFIX).values_list("pk", flat=True))


def local_today() -> Any:
    return timezone.localdate(timezone=ZoneInfo(ZONE))


def checkin_form(today: Any) -> dict[str, str]:
    return {
        "date": today.isoformat(),
        "pain_rest": "0",
        "pain_next_morning": "0",
        "focal_tenderness": "none",
        "swelling": "none",
        "session_done": "rest_day",
        "run_minutes": "0",
        "walk_minutes": "0",
        "cross_training_minutes": "0",
        "sleep_hours": "8",
        "sleep_quality": "3",
        "fatigue": "3",
        "stress": "3",
        "fuelling_adequate": "yes",
        "confidence": "7",
    }


def checkin_queries(user_id: int, form: dict[str, str]) -> int:
    """The queries of one check-in submission, counted in-process (the test client)."""

    client = TestClient()
    client.force_login(User.objects.get(pk=user_id))
    client.get("/me/")  # the first request may write the session
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/me/checkin/", form)
    if response.status_code != 302:
        raise SystemExit(f"bench: the in-process check-in answered {response.status_code}")
    return len(queries)


def clear_today() -> None:
    """Remove today's check-ins of the bench patients (and what they told the plans), so each
    run starts from the generated state: every athlete can check in once more."""

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM protocols_sessionlog s USING protocols_plan pl, patients_patient p "
            "WHERE s.plan_id = pl.id AND pl.patient_id = p.id AND p.clinic_id = ANY(%s) "
            "AND s.day >= %s",
            [bench_clinic_ids(), local_today()],
        )
        cursor.execute(
            "DELETE FROM checkins_checkin c USING patients_patient p WHERE c.patient_id = p.id "
            "AND p.clinic_id = ANY(%s) AND c.date >= %s",
            [bench_clinic_ids(), local_today()],
        )


def patient_ids_for(user_ids: list[int]) -> dict[int, int]:
    return dict(Patient.objects.filter(user_id__in=user_ids).values_list("user_id", "pk"))


@contextmanager
def only_active(size: int) -> Iterator[int]:
    """Pause every bench patient but `size` of them (the sweep reads active patients only);
    the paused ones are made active again afterwards."""

    active = list(
        Patient.objects.filter(clinic_id__in=bench_clinic_ids(), status="active")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    paused = active[size:]
    Patient.objects.filter(pk__in=paused).update(status="paused")
    try:
        yield min(size, len(active))
    finally:
        Patient.objects.filter(pk__in=paused).update(status="active")


SCANS = {
    # What re-evaluating every active plan reads: the last HISTORY_DAYS days of check-ins.
    "window": (
        "SELECT c.* FROM checkins_checkin c "
        "JOIN patients_patient p ON p.id = c.patient_id AND p.status = 'active' "
        "WHERE EXISTS (SELECT 1 FROM protocols_plan pl WHERE pl.patient_id = p.id "
        "AND pl.status = 'active') AND c.date > %(first)s AND c.date <= %(today)s"
    ),
    # What a sweep looking for missed check-ins reads: each active patient's latest date.
    "latest": (
        "SELECT p.id, (SELECT max(c.date) FROM checkins_checkin c WHERE c.patient_id = p.id) "
        "FROM patients_patient p WHERE p.status = 'active' AND EXISTS (SELECT 1 FROM "
        "protocols_plan pl WHERE pl.patient_id = p.id AND pl.status = 'active')"
    ),
}


def plain_scan(kind: str) -> tuple[float, int]:
    """One plain statement reading check-in rows into this process (best of three)."""

    today = local_today()
    params = {"first": today - timedelta(days=HISTORY_DAYS), "today": today}
    best, rows = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(SCANS[kind], params)
            rows = len(cursor.fetchall())
        best = min(best, time.perf_counter() - started)
    return best, rows
