"""Rules on recovery: sleep, fatigue, energy availability and confidence (domain.md §6-§8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from .base import INFO, LOW, Context, Day, Finding, evidence, streaks


def poor_sleep(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Short sleep on `nights` of the last 7 nights reported (a night not reported is missing
    data, not a short night)."""
    target = p["adolescent_hours"] if ctx.adolescent else p["adult_hours"]
    reported = [d for d in days if d.sleep_hours is not None]
    found = []
    for day in reported:
        window = [d for d in reported if day.date - timedelta(days=6) <= d.date <= day.date]
        short = [d for d in window if float(d.sleep_hours or 0) < target]
        if float(day.sleep_hours or 0) < target and len(short) >= p["nights"]:
            found.append(
                Finding(
                    "poor_sleep",
                    day.date,
                    INFO,
                    str(
                        _("Under %(h)s h of sleep on %(n)s of the last 7 nights.")
                        % {"h": target, "n": len(short)}
                    ),
                    [evidence(d, sleep_hours=d.sleep_hours) for d in short],
                )
            )
    return found


def high_fatigue(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    window_size = int(p["window"])
    reported = [d for d in days if d.fatigue is not None]  # not reported: missing, not tired
    for i, day in enumerate(reported):
        window = reported[max(0, i - window_size + 1) : i + 1]
        tired = [d for d in window if (d.fatigue or 0) >= p["level"]]
        if (day.fatigue or 0) >= p["level"] and len(tired) >= p["count"]:
            found.append(
                Finding(
                    "high_fatigue",
                    day.date,
                    LOW,
                    str(
                        _("Fatigue %(l)s or more on %(n)s of the last %(w)s check-ins.")
                        % {"l": int(p["level"]), "n": len(tired), "w": len(window)}
                    ),
                    [evidence(d, fatigue=d.fatigue) for d in tired],
                )
            )
    return found


def low_energy_signs(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    for day in days:
        if day.menstrual_status == "missed":
            found.append(
                Finding(
                    "low_energy_signs",
                    day.date,
                    LOW,
                    str(_("Missed period reported.")),
                    [evidence(day, menstrual_status="missed")],
                )
            )
            continue
        window = [d for d in days if day.date - timedelta(days=6) <= d.date <= day.date]
        under = [d for d in window if d.fuelling_adequate is False]  # None: not reported
        if day.fuelling_adequate is False and len(under) >= p["days"]:
            found.append(
                Finding(
                    "low_energy_signs",
                    day.date,
                    LOW,
                    str(
                        _("Not eating enough for training on %(n)s of the last 7 days.")
                        % {"n": len(under)}
                    ),
                    [evidence(d, fuelling_adequate=False) for d in under],
                )
            )
    return found


def low_confidence(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    need = int(p["streak"])
    reported = [d for d in days if d.confidence is not None]  # not reported: missing data
    for run in streaks(reported, lambda d: d.confidence is not None and d.confidence <= p["level"]):
        for end in range(need - 1, len(run)):
            window = run[end - need + 1 : end + 1]
            found.append(
                Finding(
                    "low_confidence",
                    window[-1].date,
                    INFO,
                    str(
                        _("Confidence to run %(l)s/10 or less on %(n)s check-ins in a row.")
                        % {"l": int(p["level"]), "n": need}
                    ),
                    [evidence(d, confidence=d.confidence) for d in window],
                )
            )
    return found
