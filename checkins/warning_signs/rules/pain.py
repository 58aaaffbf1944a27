"""Rules on pain, tenderness and swelling: the signs of a bone stress injury (domain.md §3-§4)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .base import HIGH, LOW, SWELLING_LEVEL, URGENT, Context, Day, Finding, evidence, ran, streaks


def new_focal_tenderness(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Tenderness reported "new"; or "same" again after `quiet_days` or more days without any
    (counted from the last tender day, or from the first check-in if none was tender)."""
    found = []
    last_tender: date | None = None
    for index, day in enumerate(days):
        if day.focal_tenderness == "new":
            found.append(
                Finding(
                    "new_focal_tenderness",
                    day.date,
                    HIGH,
                    str(_("New focal bony tenderness reported.")),
                    [evidence(day, focal_tenderness="new")],
                )
            )
        elif day.focal_tenderness == "same" and index > 0:
            without = (
                (day.date - last_tender).days - 1 if last_tender else (day.date - days[0].date).days
            )
            if without >= p["quiet_days"]:
                found.append(
                    Finding(
                        "new_focal_tenderness",
                        day.date,
                        HIGH,
                        str(
                            _("Focal tenderness is back after %(n)s days without.") % {"n": without}
                        ),
                        [evidence(day, focal_tenderness="same", days_without=without)],
                    )
                )
        if day.focal_tenderness != "none":
            last_tender = day.date
    return found


def night_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    for day in days:
        if day.night_pain or day.pain_rest >= p["rest_pain"]:
            found.append(
                Finding(
                    "night_pain",
                    day.date,
                    URGENT,
                    str(_("Night pain or pain at rest.")),
                    [evidence(day, night_pain=day.night_pain, pain_rest=day.pain_rest)],
                )
            )
    return found


def pain_with_walking(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    return [
        Finding(
            "pain_with_walking",
            d.date,
            HIGH,
            str(_("Pain with walking or daily activities.")),
            [evidence(d, pain_with_walking=True)],
        )
        for d in days
        if d.pain_with_walking
    ]


def run_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    for day in days:
        worst = max(day.pain_during or 0, day.pain_after or 0)
        if ran(day) and worst > p["limit"]:
            severity = HIGH if worst >= p["high_at"] else LOW
            found.append(
                Finding(
                    "run_pain",
                    day.date,
                    severity,
                    str(_("Pain %(n)s/10 during or after the session.") % {"n": worst}),
                    [evidence(day, pain_during=day.pain_during, pain_after=day.pain_after)],
                )
            )
    return found


def next_morning_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Next-morning pain up by `rise` on the latest earlier report, or at least `persist` on
    both, the earlier report being at most `baseline_days` before. Compared with the latest
    report rather than the calendar day before, so a missed check-in does not hide a rise
    (0, no check-in, 6 is a rise); an older report is no longer a baseline."""
    found = []
    reported = [d for d in days if d.pain_next_morning is not None]
    for before, day in itertools.pairwise(reported):
        if (day.date - before.date).days > p["baseline_days"]:
            continue  # no recent baseline to compare with
        rose = day.pain_next_morning - before.pain_next_morning >= p["rise"]
        lasted = before.pain_next_morning >= p["persist"] and day.pain_next_morning >= p["persist"]
        if rose or lasted:
            found.append(
                Finding(
                    "next_morning_pain",
                    day.date,
                    LOW,
                    str(_("Next-morning pain rose or lasted over a day.")),
                    [
                        evidence(before, pain_next_morning=before.pain_next_morning),
                        evidence(day, pain_next_morning=day.pain_next_morning),
                    ],
                )
            )
    return found


def persistent_focal_tenderness(
    days: Sequence[Day], ctx: Context, p: dict[str, float]
) -> list[Finding]:
    """Focal tenderness reported on `count` or more check-ins within `window` days while the
    plan is in a running stage. Absent focal tenderness is an entry criterion of running
    (domain.md §3.1 [F:22]); tenderness that never clears while running is the hallmark sign
    of a bone stress injury still active (§4 [F:3][F:33]): stop running and examine, within
    24-48 h, hence high. "Same" every day never counts as new, so without this rule it was
    never flagged. Only check-ins since the running stage started count."""
    if not ctx.running_stage:
        return []
    need, span = int(p["count"]), int(p["window"])
    tender = [
        d
        for d in days
        if d.focal_tenderness in {"same", "new"}
        and (ctx.stage_started_on is None or d.date >= ctx.stage_started_on)
    ]
    found = []
    for day in tender:
        window = [d for d in tender if day.date - timedelta(days=span - 1) <= d.date <= day.date]
        if len(window) >= need:
            found.append(
                Finding(
                    "persistent_focal_tenderness",
                    day.date,
                    HIGH,
                    str(
                        _("Focal tenderness on %(n)s check-ins in %(w)s days while running.")
                        % {"n": len(window), "w": span}
                    ),
                    [evidence(d, focal_tenderness=d.focal_tenderness) for d in window],
                )
            )
    return found


def persistent_swelling(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    need = int(p["streak"])
    for run in streaks(days, lambda d: SWELLING_LEVEL[d.swelling] >= 1):
        for end in range(need - 1, len(run)):
            window = run[end - need + 1 : end + 1]
            severity = HIGH if any(SWELLING_LEVEL[d.swelling] >= 2 for d in window) else LOW
            found.append(
                Finding(
                    "persistent_swelling",
                    window[-1].date,
                    severity,
                    str(_("Swelling on %(n)s check-ins in a row.") % {"n": need}),
                    [evidence(d, swelling=d.swelling) for d in window],
                )
            )
    return found


def groin_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    note = _("Groin or anterior hip pain") + (
        str(_(" with a femoral-neck or pelvis history.")) if ctx.hip_history else "."
    )
    return [
        Finding(
            "groin_pain",
            d.date,
            URGENT,
            str(note),
            [evidence(d, groin_pain=True, hip_history=ctx.hip_history)],
        )
        for d in days
        if d.groin_pain
    ]
