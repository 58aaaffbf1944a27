"""The one rule time alone can trigger: days without a check-in on an active plan."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from .base import INFO, LOW, Context, Day, Finding


def missed_checkins(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """No check-in for `days` whole days on an active plan (info), `low_days` days (low).

    Whole local days: today is not missed while it lasts (the athlete can still check in
    this evening), so the count runs up to yesterday and the finding is dated on the last
    missed day."""
    if not ctx.plan_active:
        return []
    found = []
    start = ctx.plan_start or (days[0].date if days else ctx.as_of)
    anchors = [
        start - timedelta(days=1),
        *sorted(d.date for d in days if d.date >= start),
        ctx.as_of + timedelta(days=1),
    ]
    for before, after in itertools.pairwise(anchors):
        gap_end = min(after, ctx.as_of) - timedelta(days=1)  # up to yesterday at most
        missed = (gap_end - before).days  # whole days with no check-in between the two
        evidence = [
            {
                "date": (before + timedelta(days=1)).isoformat(),
                "to": gap_end.isoformat(),
                "days_missed": missed,
            }
        ]
        if missed >= p["days"]:
            found.append(
                Finding(
                    "missed_checkins",
                    before + timedelta(days=int(p["days"])),
                    INFO,
                    str(_("No check-in for %(n)s days.") % {"n": missed}),
                    evidence,
                )
            )
        if missed >= p["low_days"]:
            found.append(
                Finding(
                    "missed_checkins",
                    before + timedelta(days=int(p["low_days"])),
                    LOW,
                    str(_("No check-in for %(n)s days.") % {"n": missed}),
                    evidence,
                )
            )
    return found
