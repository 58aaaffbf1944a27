"""`make bench`: measure RTR on PostgreSQL with the generated caseload (`manage.py bench_data`).

    python -m bench.run --patients 10000 --days 100

Phases (each beside its baseline on the same stack):
1. pages through gunicorn (4 sync workers, loopback), one client: p50/p95 of the flag queue,
   the dashboard, the patient list, a patient's page, check-ins section and 180-day log,
   beside a bare view rendering the same number of table rows; query counts in-process;
2. check-in submissions (the real form post, CSRF and rate limit on) under 1, 8 and 32
   concurrent clients, beside a bare view inserting one row, same middleware and session;
3. commit-to-flag latency with a real Celery worker and beat: 200 check-ins with night pain;
4. the sweep (`checkins.sweep`, sent to a real worker) at three sizes, beside one SQL
   statement reading the same check-in rows, and the worker's peak RSS.

Prints a table and writes bench/results/<UTC time>.json and bench/results/latest.json.
Only stdlib and the project's dependencies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SETTINGS = "bench.settings"
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


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- Setup -----------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the bench database when missing (connecting to the server's `postgres` db)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, **extra}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


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
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as SessionRow
    from django.utils import timezone

    from rtr.accounts.models import User
    from rtr.accounts.sessions import LAST_SEEN, SIGNED_IN_AT

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
    from django.contrib.sessions.models import Session as SessionRow

    SessionRow.objects.filter(session_key__in=keys).delete()


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
    }


# --- Phase 1: pages --------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    port: int
    csrf: str = field(
        default_factory=lambda: "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(32)
        )
    )
    results: dict[str, Any] = field(default_factory=dict)
    session_keys: list[str] = field(default_factory=list)

    def pages(self, physio_id: int, patient_public_id: str) -> None:
        from django.db import connection
        from django.test import Client as TestClient
        from django.test.utils import CaptureQueriesContext

        from rtr.accounts.models import User

        urls = {
            "flag queue": "/flags/",
            "dashboard": "/staff/",
            "patient list": "/patients/",
            "patient detail": f"/patients/{patient_public_id}/",
            "patient check-ins section": f"/patients/{patient_public_id}/checkins-section/",
            "check-in log (180 days)": f"/patients/{patient_public_id}/checkins/",
        }
        session = make_sessions([physio_id])[physio_id]
        self.session_keys.append(session)
        client = Client(self.port, self.csrf)
        rounds = self.args.page_requests
        pages: dict[str, Any] = {}
        test_client = TestClient()
        test_client.force_login(User.objects.get(pk=physio_id))
        for name, url in urls.items():
            status, body, _t = client.request("GET", url, session)
            if status != 200:
                raise SystemExit(f"bench: {url} answered {status}")
            rows = body.count(b"<tr")
            # Every gunicorn worker renders each template once before it is cached: warm all of
            # them, or their first requests land in the measured tail.
            for _ in range(WARM_UP):
                client.request("GET", url, session)
            times = [client.request("GET", url, session)[2] for _ in range(rounds)]
            bare_url = f"/bench/bare-rows/{rows}/"
            for _ in range(WARM_UP):
                client.request("GET", bare_url, session)
            bare = [client.request("GET", bare_url, session)[2] for _ in range(rounds)]
            test_client.get(url)  # the first request may write the session
            with CaptureQueriesContext(connection) as queries:
                test_client.get(url)
            pages[name] = {
                "url": url,
                "rows": rows,
                "bytes": len(body),
                "queries": len(queries),
                **latency_summary(times),
                "bare": latency_summary(bare),
            }
            log(
                f"page {name}: p95 {pages[name]['p95_ms']} ms, bare {pages[name]['bare']['p95_ms']} ms, "
                f"{len(queries)} queries, {rows} rows"
            )
        self.results["pages"] = pages

    # --- Phase 2: check-in throughput ------------------------------------------------------

    def throughput(self, athletes: list[Session]) -> None:
        from rtr.accounts.models import User

        today = local_today()
        form = checkin_form(today)
        client = Client(self.port, self.csrf)
        # The form refuses a post without the CSRF token: the middleware is really in the way.
        probe = athletes[0]
        no_token = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        no_token.request(
            "POST",
            "/me/checkin/",
            body=urlencode(form),
            headers={
                "Cookie": f"sessionid={probe.key}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        csrf_status = no_token.getresponse().status
        no_token.close()
        status, body, _t = client.request("POST", "/me/checkin/", probe.key, form)
        if status != 302:
            raise SystemExit(f"bench: the check-in post answered {status}: {body[:300]!r}")
        clear_today()
        queries = checkin_queries(probe.user_id, form)
        clear_today()
        levels: dict[str, Any] = {}
        for clients in CLIENT_LEVELS:
            clear_today()
            real = self.load(clients, athletes, "/me/checkin/", form, distinct=True)
            bare = self.load(
                clients, athletes, "/bench/bare-insert/", {"note": "x"}, distinct=False
            )
            levels[str(clients)] = {"checkin": real, "bare_insert": bare}
            log(
                f"{clients} client(s): check-in {real['rps']:.0f} req/s (p95 {real['p95_ms']} ms), "
                f"bare insert {bare['rps']:.0f} req/s (p95 {bare['p95_ms']} ms)"
            )
        clear_today()
        self.results["checkin"] = {
            "levels": levels,
            "csrf_without_token_status": csrf_status,
            "queries_per_submission": queries,
            "rate_limit": "on (20/min per athlete); each athlete posts at most once per level",
            "athletes_with_sessions": len(athletes),
            "users": User.objects.filter(email__endswith="@bench.rtr").count(),
        }

    def load(
        self,
        clients: int,
        athletes: list[Session],
        path: str,
        form: dict[str, str],
        *,
        distinct: bool,
    ) -> dict[str, Any]:
        """`clients` threads posting as fast as they can for the duration; with `distinct`,
        each athlete posts once (each thread has its own share of the athletes)."""
        duration = self.args.duration
        shares = [athletes[i::clients] for i in range(clients)]
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[dict[int, int]] = [{} for _ in range(clients)]
        barrier = threading.Barrier(clients + 1)
        stop_at = [0.0]

        def worker(index: int) -> None:
            client = Client(self.port, self.csrf)
            own = shares[index]
            barrier.wait()
            position = 0
            while time.perf_counter() < stop_at[0]:
                if position >= len(own):
                    if distinct:
                        break
                    position = 0
                status, _body, elapsed = client.request("POST", path, own[position].key, form)
                position += 1
                if status == 302:
                    latencies[index].append(elapsed)
                else:
                    errors[index][status] = errors[index].get(status, 0) + 1

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        stop_at[0] = time.perf_counter() + duration
        began = time.perf_counter()
        barrier.wait()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        done = [x for per in latencies for x in per]
        failed: dict[str, int] = {}
        for per in errors:
            for status, count in per.items():
                failed[str(status)] = failed.get(str(status), 0) + count
        return {
            "clients": clients,
            "seconds": round(elapsed, 2),
            "rps": len(done) / elapsed if elapsed else 0.0,
            "errors": failed,
            "ran_out_of_athletes": distinct and elapsed < duration * 0.95,
            **latency_summary(done),
        }

    # --- Phase 3: commit to flag -----------------------------------------------------------

    def commit_to_flag(self, athletes: list[Session]) -> None:
        from django.db.models import Exists, OuterRef

        from checkins.models import Flag, Notification

        worker = start(
            "worker",
            celery_command("worker", "--concurrency=2"),
            self.workdir,
            DJANGO_LOG_LEVEL="INFO",
        )
        beat = start(
            "beat",
            celery_command("beat", f"--schedule={self.workdir / 'celerybeat-schedule'}"),
            self.workdir,
        )
        try:
            wait_for(lambda: "ready" in worker.text(), "the Celery worker", timeout=60)
            time.sleep(2)  # beat's first ticks
            today = local_today()
            form = {**checkin_form(today), "night_pain": "on"}
            client = Client(self.port, self.csrf)
            chosen = athletes[:WARNING_CHECKINS]
            committed: dict[int, float] = {}
            seen: dict[int, float] = {}
            patient_of = patient_ids_for([a.user_id for a in chosen])
            started = datetime.now(UTC)
            submitting = threading.Event()
            submitting.set()

            def poll() -> None:
                """Every 20 ms: which submitted check-ins have their flag and its notifications
                (written in one transaction) visible; gives up a minute after the last post."""
                from django.db import connection

                give_up = float("inf")
                while len(seen) < len(committed) or submitting.is_set():
                    if not submitting.is_set():
                        give_up = min(give_up, time.monotonic() + 60)
                    if time.monotonic() > give_up:
                        break
                    waiting = [p for p in list(committed) if p not in seen]
                    if waiting:
                        ready = Flag.objects.filter(
                            patient_id__in=waiting, rule_code="night_pain", opened_at__gte=started
                        ).filter(Exists(Notification.objects.filter(flag_id=OuterRef("pk"))))
                        now = time.time()
                        for patient_id in ready.values_list("patient_id", flat=True):
                            seen.setdefault(patient_id, now)
                    time.sleep(0.02)
                connection.close()

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            for athlete in chosen:
                status, body, _t = client.request("POST", "/me/checkin/", athlete.key, form)
                if status != 302:
                    raise SystemExit(f"bench: a warning check-in answered {status}: {body[:200]!r}")
                committed[patient_of[athlete.user_id]] = time.time()
                time.sleep(self.args.warning_interval)
            submitting.clear()
            poller.join()
            latencies = [seen[p] - committed[p] for p in seen]
            self.results["commit_to_flag"] = {
                "checkins": len(committed),
                "flagged": len(seen),
                "interval_s": self.args.warning_interval,
                "p50_s": round(percentile(latencies, 50), 3),
                "p95_s": round(percentile(latencies, 95), 3),
                "max_s": round(max(latencies), 3) if latencies else None,
                "how": "worker (prefork, 2) + beat (evaluate_pending every second); commit = "
                "response received; flag = flag and notification rows visible (polled every 20 ms)",
            }
            log(f"commit to flag: {self.results['commit_to_flag']}")
        finally:
            beat.stop()
            worker.stop()

    # --- Phase 4: sweep --------------------------------------------------------------------

    def sweeps(self, sizes: list[int]) -> None:
        worker = start(
            "sweep-worker",
            celery_command("worker", "--pool=solo"),
            self.workdir,
            DJANGO_LOG_LEVEL="INFO",
        )
        runs = []
        try:
            wait_for(lambda: "ready" in worker.text(), "the sweep worker", timeout=60)
            time.sleep(3)  # the start-up heartbeat task
            for size in sizes:
                with only_active(size) as active:
                    window = plain_scan("window")
                    scan = plain_scan("latest")
                    baseline = rss_kb(worker.popen.pid)
                    seconds, peak, outcome = self.sweep_once(worker)
                    runs.append(
                        {
                            "patients": active,
                            "sweep_s": round(seconds, 3),
                            "sweep_result": outcome,
                            "scan_s": round(scan[0], 3),
                            "scan_rows": scan[1],
                            "ratio": round(seconds / scan[0], 1) if scan[0] else None,
                            "window_scan_s": round(window[0], 3),
                            "window_scan_rows": window[1],
                            "ratio_to_window_scan": round(seconds / window[0], 2),
                            "per_patient_ms": round(1000 * seconds / max(1, active), 2),
                            "worker_rss_before_mb": round(baseline / 1024, 1),
                            "worker_rss_peak_mb": round(peak / 1024, 1),
                        }
                    )
                    log(f"sweep: {runs[-1]}")
        finally:
            worker.stop()
        self.results["sweep"] = runs

    def sweep_once(self, worker: Process) -> tuple[float, int, str]:
        from rtr.celery import app

        pattern = re.compile(r"checkins\.sweep\[[^\]]+\] succeeded in ([0-9.]+)s: ([^\"]*)")
        done_before = len(pattern.findall(worker.text()))
        peak = 0
        started = time.perf_counter()
        app.send_task("checkins.sweep")
        while True:
            peak = max(peak, rss_kb(worker.popen.pid))
            found = pattern.findall(worker.text())
            if len(found) > done_before:
                seconds, outcome = found[-1]
                return float(seconds), max(peak, hwm_kb(worker.popen.pid)), outcome
            if worker.popen.poll() is not None:
                raise SystemExit("bench: the sweep worker died; see " + str(worker.log_path))
            if time.perf_counter() - started > 3600:
                raise SystemExit("bench: the sweep took over an hour")
            time.sleep(0.1)


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
    from rtr.accounts.models import Clinic
    from rtr.management.commands.bench_data import CLINIC_PREFIX

    return list(Clinic.objects.filter(name__startswith=CLINIC_PREFIX).values_list("pk", flat=True))


def local_today() -> Any:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from rtr.management.commands.bench_data import ZONE

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
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    from rtr.accounts.models import User

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
    from django.db import connection

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
    from patients.models import Patient

    return dict(Patient.objects.filter(user_id__in=user_ids).values_list("user_id", "pk"))


@contextmanager
def only_active(size: int) -> Iterator[int]:
    """Pause every bench patient but `size` of them (the sweep reads active patients only);
    the paused ones are made active again afterwards."""
    from patients.models import Patient

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
    from django.db import connection

    from checkins.evaluation import HISTORY_DAYS

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


# --- Report ----------------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    burden = results.get("alert_burden")
    if burden:
        missed = [
            r for r in burden["rules"] if r["recall_pct"] is not None and r["recall_pct"] < 100
        ]
        rows.append(
            (
                "every injected warning pattern flagged within a day (recall 100 %)",
                f"{burden['total']['recall_pct']} % of {burden['total']['patterns']}"
                + (f"; below 100 %: {', '.join(r['rule'] for r in missed)}" if missed else ""),
                "PASS" if not missed else "FAIL",
            )
        )
        total = burden["total"]
        rows.append(
            (
                "false alarms < 5 % of flags (flags on athletes with no injected pattern)",
                f"{total['false_alarm_pct']} % ({total['false_alarms']} of {total['flags']})",
                "PASS" if total["false_alarm_pct"] < 5 else "FAIL",
            )
        )
        rows.append(
            (
                "no flag for an athlete following the plan without symptoms",
                f"{total['false_alarms']} flags",
                "PASS" if total["false_alarms"] == 0 else "FAIL",
            )
        )
    level = results.get("checkin", {}).get("levels", {}).get("8")
    if level:
        ratio = level["checkin"]["rps"] / level["bare_insert"]["rps"]
        rows.append(
            (
                "check-in throughput >= 60% of bare insert at 8 clients",
                f"{ratio:.0%} ({level['checkin']['rps']:.0f} vs {level['bare_insert']['rps']:.0f} req/s)",
                "PASS" if ratio >= TARGETS["checkin_vs_bare_at_8"] else "FAIL",
            )
        )
    for name, page in results.get("pages", {}).items():
        rows.append(
            (
                f"{name} p95 < 150 ms",
                f"{page['p95_ms']} ms ({page['queries']} queries)",
                "PASS" if page["p95_ms"] < TARGETS["page_p95_ms"] else "FAIL",
            )
        )
    sweeps = results.get("sweep", [])
    if sweeps:
        full = sweeps[-1]
        rows.append(
            (
                "sweep within 3x of the plain SQL scan (latest check-in per patient)",
                f"{full['ratio']}x ({full['sweep_s']} s vs {full['scan_s']} s; "
                f"{full['ratio_to_window_scan']}x the 35-day window scan)",
                "PASS"
                if full["ratio"] is not None and full["ratio"] <= TARGETS["sweep_vs_scan"]
                else "FAIL",
            )
        )
        if len(sweeps) > 1:
            growth = full["per_patient_ms"] / sweeps[0]["per_patient_ms"]
            rows.append(
                (
                    "sweep at most linear in patients (per-patient time within 1.5x)",
                    " / ".join(f"{s['patients']}: {s['sweep_s']} s" for s in sweeps)
                    + f" (x{growth:.2f} per patient)",
                    "PASS" if growth <= TARGETS["sweep_linearity"] else "FAIL",
                )
            )
    flag = results.get("commit_to_flag")
    if flag:
        rows.append(
            (
                "commit-to-flag p95 < 1 s",
                f"p50 {flag['p50_s']} s, p95 {flag['p95_s']} s ({flag['flagged']}/{flag['checkins']})",
                "PASS"
                if flag["p95_s"] < TARGETS["commit_to_flag_p95_s"]
                and flag["flagged"] == flag["checkins"]
                else "FAIL",
            )
        )
    return rows


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def alert_burden(
    counts: dict[str, Any] | None, *, patients: int, days: int
) -> dict[str, Any] | None:
    """The alert-burden table from the generator's counts: per rule and in total, flags raised
    per 100 active patients per week, the share of flags on athletes with no injected warning
    pattern (false alarms), and the share of injected patterns flagged within a day (recall)."""
    if not counts:
        return None
    weeks_of_100 = patients / 100 * days / 7
    rows = []
    totals = [0, 0, 0, 0]
    for code, (flags, false, injected, detected) in sorted(counts["rules"].items()):
        totals = [a + b for a, b in zip(totals, (flags, false, injected, detected), strict=True)]
        rows.append(_burden_row(code, flags, false, injected, detected, weeks_of_100))
    flags, false, injected, detected = totals
    return {
        "rules": rows,
        "total": _burden_row("total", flags, false, injected, detected, weeks_of_100),
        "patient_weeks": round(patients * days / 7),
    }


def _burden_row(
    code: str, flags: int, false: int, injected: int, detected: int, weeks_of_100: float
) -> dict[str, Any]:
    return {
        "rule": code,
        "flags": flags,
        "per_100_per_week": round(flags / weeks_of_100, 2) if weeks_of_100 else 0,
        "false_alarms": false,
        "false_alarm_pct": round(100 * false / flags, 1) if flags else 0.0,
        "patterns": injected,
        "flagged_within_a_day": detected,
        "recall_pct": round(100 * detected / injected, 1) if injected else None,
    }


def burden_table(burden: dict[str, Any]) -> str:
    rows = [*burden["rules"], burden["total"]]
    return table(
        ["rule", "flags", "per 100 pts/wk", "false alarms", "patterns", "recall (1 day)"],
        [
            [
                r["rule"],
                str(r["flags"]),
                f"{r['per_100_per_week']:.2f}",
                f"{r['false_alarms']} ({r['false_alarm_pct']:.1f} %)",
                str(r["patterns"]),
                "–" if r["recall_pct"] is None else f"{r['recall_pct']:.1f} %",
            ]
            for r in rows
        ],
    )


def report(results: dict[str, Any]) -> str:
    parts = [f"RTR benchmark, {results['started']} ({results['size']})", ""]
    if results.get("loads"):
        from bench import loads_phase

        parts += [*loads_phase.report(results["loads"]), ""]
    burden = results.get("alert_burden")
    if burden:
        parts.append(
            "Alert burden (the generated caseload's flags against its injected warning "
            f"patterns, {burden['patient_weeks']} active patient-weeks)"
        )
        parts.append(burden_table(burden))
        parts.append("")
    pages = results.get("pages", {})
    if pages:
        parts.append("Pages (one client, through gunicorn; bare = plain template, same rows)")
        parts.append(
            table(
                ["page", "rows", "queries", "p50 ms", "p95 ms", "bare p50", "bare p95"],
                [
                    [
                        name,
                        str(p["rows"]),
                        str(p["queries"]),
                        str(p["p50_ms"]),
                        str(p["p95_ms"]),
                        str(p["bare"]["p50_ms"]),
                        str(p["bare"]["p95_ms"]),
                    ]
                    for name, p in pages.items()
                ],
            )
        )
        parts.append("")
    checkin = results.get("checkin")
    if checkin:
        parts.append(
            "Check-in submission vs bare one-row insert (same middleware, session, CSRF; "
            f"rate limit {checkin['rate_limit']}); "
            f"{checkin['queries_per_submission']} queries per submission; a post without the "
            f"CSRF token answered {checkin['csrf_without_token_status']}"
        )
        rows = []
        for clients, level in checkin["levels"].items():
            for label, key in (("check-in", "checkin"), ("bare insert", "bare_insert")):
                m = level[key]
                rows.append(
                    [
                        clients,
                        label,
                        f"{m['rps']:.0f}",
                        str(m["p50_ms"]),
                        str(m["p95_ms"]),
                        str(m["p99_ms"]),
                        str(m["n"]),
                        json.dumps(m["errors"]) if m["errors"] else "",
                    ]
                )
        parts.append(
            table(["clients", "view", "req/s", "p50 ms", "p95 ms", "p99 ms", "n", "errors"], rows)
        )
        parts.append("")
    sweeps = results.get("sweep")
    if sweeps:
        parts.append(
            "Sweep (checkins.sweep on a Celery worker, solo pool) vs one plain SQL statement: "
            "'latest' reads each active patient's latest check-in date (what the sweep reads "
            "now), 'window' the last 35 days of check-ins (what re-evaluating every plan reads)"
        )
        parts.append(
            table(
                [
                    "patients",
                    "sweep s",
                    "latest scan s",
                    "ratio",
                    "window scan s (rows)",
                    "ratio",
                    "ms/patient",
                    "RSS before MB",
                    "RSS peak MB",
                    "sweep result",
                ],
                [
                    [
                        str(s["patients"]),
                        str(s["sweep_s"]),
                        str(s["scan_s"]),
                        f"{s['ratio']}x",
                        f"{s['window_scan_s']} ({s['window_scan_rows']})",
                        f"{s['ratio_to_window_scan']}x",
                        str(s["per_patient_ms"]),
                        str(s["worker_rss_before_mb"]),
                        str(s["worker_rss_peak_mb"]),
                        s["sweep_result"],
                    ]
                    for s in sweeps
                ],
            )
        )
        parts.append("")
    flag = results.get("commit_to_flag")
    if flag:
        parts.append(
            f"Commit to flag + notification rows ({flag['checkins']} check-ins with night pain, one every "
            f"{flag['interval_s']} s): p50 {flag['p50_s']} s, p95 {flag['p95_s']} s, max {flag['max_s']} s"
        )
        parts.append("")
    parts.append("Targets")
    parts.append(table(["target", "measured", "result"], [list(r) for r in verdicts(results)]))
    return "\n".join(parts)


def write_results(results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    text = json.dumps(results, indent=2, default=str) + "\n"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8300")))
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load level")
    parser.add_argument("--page-requests", type=int, default=100)
    parser.add_argument(
        "--max-athletes", type=int, default=6000, help="athletes given a session for the load"
    )
    parser.add_argument("--warning-interval", type=float, default=0.1)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["pages", "checkin", "flag", "sweep", "loads"],
    )
    args = parser.parse_args(argv)
    if not 8100 <= args.port <= 8399:
        parser.error("use a port between 8100 and 8399")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(ROOT))
    from bench import settings as bench_settings

    ensure_database(bench_settings.BENCH_DATABASE_URL)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench.views import CREATE_BARE_TABLE
    from patients.models import Patient
    from rtr.accounts.models import Membership, User
    from rtr.management.commands.bench_data import LONG_HISTORY_EMAIL

    started = datetime.now(UTC)
    log("migrate, collectstatic, bench_data")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    data_started = time.monotonic()
    call_command("bench_data", patients=args.patients, days=args.days)
    from zoneinfo import ZoneInfo

    from django.utils import timezone as dj_timezone

    from rtr.management.commands.bench_data import ZONE, read_alert_burden

    bench_today = dj_timezone.localdate(timezone=ZoneInfo(ZONE))
    counts = read_alert_burden(patients=args.patients, days=args.days, today=bench_today)
    if counts is None:  # data from before the ground truth was kept: generate it again
        call_command("bench_data", patients=args.patients, days=args.days, force=True)
        counts = read_alert_burden(patients=args.patients, days=args.days, today=bench_today)
    data_seconds = time.monotonic() - data_started
    with connection.cursor() as cursor:
        cursor.execute(CREATE_BARE_TABLE)

    clinics = bench_clinic_ids()
    long_patient = Patient.objects.select_related("assigned_physio").get(
        user__email=LONG_HISTORY_EMAIL
    )
    physio = long_patient.assigned_physio
    athlete_ids = list(
        Membership.objects.filter(clinic_id__in=clinics, role="athlete")
        .exclude(user__email=LONG_HISTORY_EMAIL)
        .order_by("user_id")
        .values_list("user_id", flat=True)[: args.max_athletes]
    )
    workdir = Path(tempfile.mkdtemp(prefix="rtr-bench-"))
    bench = Bench(args=args, workdir=workdir, port=args.port)
    keys = make_sessions(athlete_ids)
    bench.session_keys.extend(keys.values())
    athletes = [Session(user_id, keys[user_id]) for user_id in athlete_ids if user_id in keys]
    bench.results.update(
        {
            "started": started.isoformat(timespec="seconds"),
            "size": f"{args.patients} patients x {args.days} days",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "data": {
                "generate_or_check_s": round(data_seconds, 1),
                "checkins": count_checkins(clinics),
                "users": User.objects.filter(email__endswith="@bench.rtr").count(),
            },
            "server": "gunicorn rtr.wsgi, 4 sync workers, 127.0.0.1, DEBUG off, "
            "CONN_MAX_AGE from the project's settings, cache and broker on Redis",
            "settings": SETTINGS,
            "alert_burden": alert_burden(counts, patients=args.patients, days=args.days),
        }
    )
    gunicorn = start(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "rtr.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "4",
        ],
        workdir,
    )
    try:
        wait_for(lambda: port_answers(args.port), "gunicorn", timeout=60)
        if "pages" not in args.skip:
            bench.pages(physio.pk, str(long_patient.public_id))
        if "checkin" not in args.skip:
            bench.throughput(athletes)
        if "flag" not in args.skip:
            bench.commit_to_flag(fresh_for_night_pain(athletes))
    finally:
        gunicorn.stop()
    try:
        if "sweep" not in args.skip:
            sizes = sorted({max(1, args.patients // 10), max(1, args.patients // 2), args.patients})
            bench.sweeps(sizes)
    finally:
        drop_sessions(bench.session_keys)
    if "loads" not in args.skip:  # issue 19: run-file import throughput, load computation
        from bench import loads_phase

        log("run files: import throughput; load figures for the caseload")
        bench.results["loads"] = loads_phase.run(clinics, long_patient.pk, long_patient.user_id)
    bench.results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    bench.results["verdicts"] = [
        {"target": t, "measured": m, "result": r} for t, m, r in verdicts(bench.results)
    ]
    path = write_results(bench.results)
    print()
    print(report(bench.results))
    print()
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/latest.json); logs in {workdir}")
    return 0


def count_checkins(clinics: list[int]) -> int:
    from checkins.models import CheckIn

    return CheckIn.objects.filter(patient__clinic_id__in=clinics).count()


def fresh_for_night_pain(athletes: list[Session]) -> list[Session]:
    """Athletes without an open night-pain flag (a new one is what is timed), from the end of
    the list (the throughput phase used the start)."""
    from checkins.models import Flag

    flagged = set(
        Flag.objects.filter(
            rule_code="night_pain", status__in=["open", "acknowledged"]
        ).values_list("patient__user_id", flat=True)
    )
    chosen = [a for a in reversed(athletes) if a.user_id not in flagged]
    return chosen[:WARNING_CHECKINS]


def port_answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/accounts/login/")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
