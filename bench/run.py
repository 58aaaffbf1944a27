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
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.pages import (
    Bench,
)
from bench.report import (
    alert_burden,
    report,
    verdicts,
    write_results,
)
from bench.support import (
    ROOT,
    SETTINGS,
    WARNING_CHECKINS,
    Session,
    bench_clinic_ids,
    drop_sessions,
    ensure_database,
    log,
    make_sessions,
    setup_django,
    start,
    wait_for,
)

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

    from bench.generate.caseload import LONG_HISTORY_EMAIL
    from bench.views import CREATE_BARE_TABLE
    from patients.models import Patient
    from rtr.accounts.models import Membership, User

    started = datetime.now(UTC)
    log("migrate, collectstatic, bench_data")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    data_started = time.monotonic()
    call_command("bench_data", patients=args.patients, days=args.days)
    from zoneinfo import ZoneInfo

    from django.utils import timezone as dj_timezone

    from bench.generate.caseload import ZONE, read_alert_burden

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
