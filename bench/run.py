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
import os
import sys

from bench.environment import ROOT, SETTINGS, ensure_database, setup_django

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
    # Not at the top: importing bench.settings points DATABASE_URL and the broker at the bench.
    from bench import settings as bench_settings

    ensure_database(bench_settings.BENCH_DATABASE_URL)
    setup_django()
    # Not at the top: the driver's modules import the models, after django.setup().
    from bench.driver import measure

    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
