"""The one registry of clinical thresholds: each with its default, its safe bounds and its source.

Every number a rule, the step progression or the athlete's confirmation page compares a
check-in with is here, once, keyed by the warning-sign rule that owns it. A clinic lead may
override a threshold within its bounds (`/clinic/rules/`, saved as the clinic's
`RuleSetting.params`); `for_clinic` returns the values with the clinic's overrides applied, and
every reader goes through it, so an override changes the flag, the step progression and the
red-flag notice alike. Nothing else in the code writes these numbers.

Sources are `domain.md` tags: [F:n] sourced, [PD] product default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checkins.models import RuleSetting


@dataclass(frozen=True)
class Threshold:
    rule: str  # the warning-sign rule whose settings hold it
    name: str
    default: float
    low: float
    high: float
    unit: str
    label: str
    source: str


def _t(rule: str, name: str, default: float, low: float, high: float, unit: str, label: str, source: str) -> Threshold:  # fmt: skip
    return Threshold(rule, name, default, low, high, unit, label, source)


# Labels are translated where they are shown (rules.Param keeps them lazy).
REGISTRY: tuple[Threshold, ...] = (
    _t(
        "new_focal_tenderness",
        "quiet_days",
        7,
        3,
        28,
        "days",
        "Days without tenderness after which it counts as new",
        "[F:3][F:33]; 7 days [PD]",
    ),
    _t(
        "persistent_focal_tenderness",
        "count",
        3,
        2,
        7,
        "check-ins",
        "Check-ins with tenderness, in a running stage",
        "[F:22]; 3 [PD]",
    ),
    _t(
        "persistent_focal_tenderness",
        "window",
        7,
        5,
        14,
        "days",
        "Within the last",
        "[F:22]; 7 days [PD]",
    ),
    _t("night_pain", "rest_pain", 3, 1, 6, "/10", "Pain at rest from", "[F:32][F:34]"),
    _t("run_pain", "limit", 2, 1, 4, "/10", "Pain above", "[F:25][F:26]"),
    _t("run_pain", "high_at", 5, 3, 8, "/10", "High severity from", "[F:25]; 5 [PD]"),
    _t(
        "next_morning_pain",
        "rise",
        2,
        1,
        4,
        "/10",
        "Rise on the latest earlier report of at least",
        "[F:28][F:26]; 2 design.md [PD]",
    ),
    _t(
        "next_morning_pain",
        "hold_rise",
        1,
        1,
        4,
        "/10",
        "The step is held (and the next run skipped) from a rise of",
        ": no next-morning increase [F:28][F:29]",
    ),
    _t(
        "next_morning_pain",
        "persist",
        2,
        1,
        5,
        "/10",
        "Two reports running at or above",
        "[F:28][F:24]",
    ),
    _t(
        "next_morning_pain",
        "baseline_days",
        3,
        1,
        7,
        "days",
        "Earlier report compared with, at most this many days before",
        "3 days [PD]",
    ),
    _t(
        "persistent_swelling",
        "streak",
        3,
        2,
        7,
        "check-ins",
        "Check-ins in a row with swelling",
        "[F:33]; >48 h [PD]",
    ),
    _t(
        "load_spike",
        "tolerance_pct",
        10,
        0,
        30,
        "%",
        "A run longer than the day's prescription by more than",
        "[F:42] applied to the prescription [PD]",
    ),
    _t(
        "load_spike",
        "single_pct",
        10,
        5,
        50,
        "%",
        "Unrestricted running: single run longer than the 30-day longest by more than",
        "[F:42]",
    ),
    _t(
        "load_spike",
        "two_week_pct",
        30,
        10,
        100,
        "%",
        "Unrestricted running: two-week volume up by more than",
        "[F:44]",
    ),
    _t(
        "load_spike",
        "min_runs",
        3,
        2,
        10,
        "runs",
        "Unrestricted running: earlier runs needed before comparing",
        "[PD]",
    ),
    _t("poor_sleep", "adult_hours", 7, 5, 9, "h", "Adults: under", "[F:59]"),
    _t("poor_sleep", "adolescent_hours", 8, 6, 10, "h", "Under 18: under", "[F:58]"),
    _t(
        "poor_sleep",
        "nights",
        3,
        2,
        7,
        "nights",
        "Nights of the last 7",
        "sleep_short_3_of_7 [PD]",
    ),
    _t("high_fatigue", "level", 7, 5, 10, "/10", "Fatigue from", "[F:18]; 7 [PD]"),
    _t("high_fatigue", "count", 3, 2, 5, "check-ins", "Check-ins", "[PD]"),
    _t("high_fatigue", "window", 5, 3, 10, "check-ins", "Of the last", "[PD]"),
    _t(
        "low_energy_signs",
        "days",
        3,
        2,
        7,
        "days",
        "Days of the last 7 not eating enough",
        "[F:51]; 3 of 7 [PD]",
    ),
    _t(
        "low_confidence",
        "level",
        3,
        1,
        5,
        "/10",
        "Confidence at or below",
        "[F:60]; 3 [PD]",
    ),
    _t("low_confidence", "streak", 3, 2, 7, "check-ins", "Check-ins in a row", "[PD]"),
    _t(
        "missed_checkins",
        "days",
        3,
        2,
        7,
        "days",
        "Whole days without a check-in",
        "(>= 3 consecutive: notify care team) [PD]",
    ),
    _t("missed_checkins", "low_days", 7, 4, 21, "days", "Low severity from", "[PD]"),
)

Values = dict[str, dict[str, float]]  # rule code -> threshold name -> value


def of_rule(rule: str) -> tuple[Threshold, ...]:
    return tuple(t for t in REGISTRY if t.rule == rule)


def get(rule: str, name: str) -> Threshold:
    for threshold in REGISTRY:
        if threshold.rule == rule and threshold.name == name:
            return threshold
    raise KeyError(f"{rule}.{name}")


def defaults() -> Values:
    values: Values = {}
    for t in REGISTRY:
        values.setdefault(t.rule, {})[t.name] = float(t.default)
    return values


def with_overrides(overrides: dict[str, dict[str, Any]]) -> Values:
    """The defaults with a clinic's overrides applied; unknown names and out-of-bounds values
    are ignored (the settings form refuses them, so only stale rows could hold them)."""
    values = defaults()
    for rule, params in overrides.items():
        for name, value in (params or {}).items():
            try:
                threshold = get(rule, name)
                number = float(value)
            except (KeyError, TypeError, ValueError):
                continue
            if threshold.low <= number <= threshold.high:
                values[rule][name] = number
    return values


def for_clinic(clinic_id: int | None) -> Values:
    """Every threshold as this clinic uses it (its lead's overrides over the defaults)."""
    if clinic_id is None:
        return defaults()
    return with_overrides(
        dict(RuleSetting.objects.filter(clinic_id=clinic_id).values_list("rule_code", "params"))
    )


# Readers outside the rules name what they need (the rule settings that hold it).
RUN_PAIN_LIMIT = ("run_pain", "limit")  # a session with site pain above this holds the step [F:25]
REST_PAIN_RED_FLAG = ("night_pain", "rest_pain")  # pain at rest at or above: red flag [F:32]
NEXT_MORNING_RISE = ("next_morning_pain", "rise")  # a rise that raises the flag [F:28]
# A rise that holds the step: bone is treated conservatively, so any rise over the day before
# means the load was not tolerated (no next-morning increase, [F:28][F:29]); the flag that tells
# the physio waits for a larger one (NEXT_MORNING_RISE).
NEXT_MORNING_HOLD_RISE = ("next_morning_pain", "hold_rise")


def value(values: Values, key: tuple[str, str]) -> float:
    return values[key[0]][key[1]]


def run_pain_limit(clinic_id: int) -> float:
    """The clinic's pain limit during and after a run (what a prescription quotes)."""
    return value(for_clinic(clinic_id), RUN_PAIN_LIMIT)


def number_text(value: float) -> str:
    """A threshold as people write it: 2, not 2.0; 7.5 as it is."""
    return str(int(value)) if float(value).is_integer() else str(value)
