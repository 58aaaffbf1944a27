"""The benchmark's run once Django is set up: the caseload generated (or found), gunicorn
started, each phase measured (bench.pages), the report printed and saved (bench.report)."""

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
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection
from django.utils import timezone as dj_timezone

from bench import loads_phase
from bench.environment import ROOT, SETTINGS, log
from bench.generate.caseload import LONG_HISTORY_EMAIL, ZONE, read_alert_burden
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
    WARNING_CHECKINS,
    Session,
    bench_clinic_ids,
    drop_sessions,
    make_sessions,
    start,
    wait_for,
)
from bench.views import CREATE_BARE_TABLE
from checkins.models import CheckIn, Flag
from patients.models import Patient
from rtr.accounts.models import Membership, User


def measure(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    log("migrate, collectstatic, bench_data")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    data_started = time.monotonic()
    call_command("bench_data", patients=args.patients, days=args.days)

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
    return CheckIn.objects.filter(patient__clinic_id__in=clinics).count()


def fresh_for_night_pain(athletes: list[Session]) -> list[Session]:
    """Athletes without an open night-pain flag (a new one is what is timed), from the end of
    the list (the throughput phase used the start)."""

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
