"""The page phase: warm up, then measure each page and its bare baseline at each client level."""

from __future__ import annotations

import argparse
import http.client
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext

from bench.environment import log
from bench.support import (
    CLIENT_LEVELS,
    WARM_UP,
    WARNING_CHECKINS,
    Client,
    Process,
    Session,
    celery_command,
    checkin_form,
    checkin_queries,
    clear_today,
    hwm_kb,
    latency_summary,
    local_today,
    make_sessions,
    only_active,
    patient_ids_for,
    percentile,
    plain_scan,
    rss_kb,
    start,
    wait_for,
)
from checkins.models import Flag, Notification
from rtr.accounts.models import User
from rtr.celery import app

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

    def start_worker(self, name: str, option: str) -> Process:
        """A Celery worker of the project (`option`: its pool or concurrency), logging at INFO."""
        return start(name, celery_command("worker", option), self.workdir, DJANGO_LOG_LEVEL="INFO")

    # --- Phase 3: commit to flag -----------------------------------------------------------

    def commit_to_flag(self, athletes: list[Session]) -> None:
        worker = self.start_worker("worker", "--concurrency=2")
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
        worker = self.start_worker("sweep-worker", "--pool=solo")
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
