"""Clinical thresholds used on check-ins, in one place, each with its source (domain.md).

These are the defaults; the warning-sign rules let a clinic lead override them within safe
bounds. Nothing else in the code writes these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    value: float
    unit: str
    source: str
    text: str


RUN_PAIN_LIMIT = Threshold(
    2, "/10", "[F:25]", "Site pain during or after a run above this holds the step"
)
REST_PAIN_RED_FLAG = Threshold(
    3, "/10", "design.md §4 [F:32][F:34]", "Pain at rest at or above this is a red flag"
)
NEXT_MORNING_RISE = Threshold(
    1,
    "/10",
    "[F:28][F:26]",
    "Next-morning pain this much above the day before means pain lasted to the next day",
)
