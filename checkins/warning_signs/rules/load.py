"""The running-load rule: runs judged against the plan's prescription (domain.md §5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from checkins.warning_signs.thresholds import number_text

from .base import LOW, Context, Day, Finding, evidence

RUN_PRESCRIBED = "session"
NO_RUNNING_KINDS = frozenset(
    {"strength", "cross_training", "rest", "paused", "not_started"}
)  # days whose prescription has no running at all
UNRESTRICTED_KINDS = frozenset({"finished", "none"})  # no prescription: running freely


def _spike(day: date, why: str, shown: list[dict[str, Any]]) -> Finding:
    """A load-spike finding: every form of it is a low-severity warning sign."""
    return Finding("load_spike", day, LOW, why, shown)


def _prescribed_run(day: Day) -> float | None:
    """Running minutes the day prescribed: a number (0 on a walking session), or None when the
    day has no comparable prescription (unknown, or running freely)."""
    if day.prescribed_kind == RUN_PRESCRIBED:
        return float(day.prescribed_run_minutes or 0)
    if day.prescribed_kind in NO_RUNNING_KINDS:
        return 0.0
    return None


def _unrestricted(day: Day, ctx: Context) -> bool:
    if day.prescribed_kind in UNRESTRICTED_KINDS:
        return True
    return day.prescribed_kind == "" and ctx.unrestricted_running


def load_spike(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Running load judged against the plan: a run longer than the day's prescription by more
    than `tolerance_pct` (the clinic's tolerance), any run on a day with no running prescribed
    (rest, strength, cross-training, a walking session, a paused plan), or running minutes in
    the last 7 days over the current stage's weekly cap.

    Why against the prescription: every step of a return-to-running plan lengthens the run by
    more than 10 % (walk-run 5 -> 6 -> 10 min, continuous 15 -> 20 -> 25 min), so the
    free-running spike rule would flag an athlete doing exactly what the physio prescribed,
    for weeks, and a real spike would then be merged into that stale flag unseen. The single-
    run rule was measured on healthy runners training freely (BJSM 2025 [F:42], domain.md
    §5.2); in a plan the prescription is the planned load, and a deviation from it is the
    spike. So the free-running rules (a run more than `single_pct` longer than the longest of
    the last 30 days [F:42]; two weeks' volume up more than `two_week_pct` on the two before
    [F:44]) apply only to days run without a prescription: no plan, or a graduated plan.
    Their comparisons wait for `min_runs` earlier runs / 28 days of data.
    """
    found = []
    runs = [d for d in days if d.run_minutes > 0]
    tolerance = 1 + p["tolerance_pct"] / 100
    for day in runs:
        prescribed = _prescribed_run(day)
        if prescribed is None:
            continue
        if prescribed == 0:
            why = _("Ran %(n)s min on a day with no running prescribed.") % {"n": day.run_minutes}
        elif day.run_minutes > prescribed * tolerance:
            why = _("Ran %(n)s min, more than %(pct)s%% over the %(m)s min prescribed.") % {
                "n": day.run_minutes,
                "pct": number_text(p["tolerance_pct"]),
                "m": number_text(prescribed),
            }
        else:
            continue
        found.append(
            _spike(
                day.date,
                str(why),
                [evidence(day, run_minutes=day.run_minutes, prescribed_run_minutes=prescribed)],
            )
        )
    for day in (d for d in runs if _unrestricted(d, ctx)):
        earlier = [d for d in runs if day.date - timedelta(days=30) <= d.date < day.date]
        if len(earlier) >= p["min_runs"]:
            longest = max(d.run_minutes for d in earlier)
            if day.run_minutes > longest * (1 + p["single_pct"] / 100):
                found.append(
                    _spike(
                        day.date,
                        str(
                            _(
                                "Run of %(n)s min, more than %(pct)s%% over the longest of the last 30 days (%(m)s min)."
                            )
                            % {"n": day.run_minutes, "pct": int(p["single_pct"]), "m": longest}
                        ),
                        [evidence(day, run_minutes=day.run_minutes, longest_30_days=longest)],
                    )
                )
        if not days or (day.date - days[0].date).days < 27:
            continue  # the two-week comparison needs four weeks of data
        end = day.date
        recent = sum(d.run_minutes for d in runs if end - timedelta(days=13) <= d.date <= end)
        before = sum(
            d.run_minutes
            for d in runs
            if end - timedelta(days=27) <= d.date < end - timedelta(days=13)
        )
        if before > 0 and recent > before * (1 + p["two_week_pct"] / 100):
            found.append(
                _spike(
                    end,
                    str(
                        _("Two weeks' running up %(pct)s%% on the two before.")
                        % {"pct": round(100 * (recent - before) / before)}
                    ),
                    [{"date": end.isoformat(), "last_14_days": recent, "previous_14_days": before}],
                )
            )
    if ctx.weekly_run_cap:
        # The current stage's cap, over its own days: a regression to a stage with a lower cap
        # does not count the week run in the stage before.
        in_stage = [
            d for d in runs if ctx.stage_started_on is None or d.date >= ctx.stage_started_on
        ]
        for day in in_stage:
            week = sum(
                d.run_minutes
                for d in in_stage
                if day.date - timedelta(days=6) <= d.date <= day.date
            )
            if week > ctx.weekly_run_cap:
                found.append(
                    _spike(
                        day.date,
                        str(
                            _("%(n)s min of running in 7 days, over the stage's cap of %(cap)s.")
                            % {"n": week, "cap": ctx.weekly_run_cap}
                        ),
                        [
                            {
                                "date": day.date.isoformat(),
                                "last_7_days": week,
                                "cap": ctx.weekly_run_cap,
                            }
                        ],
                    )
                )
    return found
