"""A flag's evidence in the words a clinician would write in the notes.

The rules keep their evidence as data (a date and the values that counted, see
`rules.base.evidence`); this module says each day in a sentence: "Night pain reported on
Tue 3 Dec", "Run 23 min against 20 min prescribed on Tue 3 Dec". A value nobody gave is
"not reported", never a number. The sentences are clinical detail: they are shown on the care
team's flag pages, never to a coach.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checkins.models import CheckIn, FocalTenderness, Swelling
from checkins.warning_signs import thresholds
from checkins.warning_signs.rules.base import SWELLING_LEVEL

Item = Mapping[str, Any]


def _day(value: object) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(day, "D j M")


def _number(value: object) -> str:
    """3.0 -> "3", 5.5 -> "5.5"; a missing value -> "not reported"."""
    if value is None or value == "":
        return _("not reported")
    number = float(str(value))
    return str(int(number)) if number.is_integer() else formats.number_format(number, 1)


def _score(value: object) -> str:
    return _("not reported") if value is None else _("%(n)s/10") % {"n": _number(value)}


def _tenderness(item: Item, on: str) -> str:
    value = item.get("focal_tenderness")
    if value == FocalTenderness.NEW:
        return _("New focal bone tenderness reported on %(day)s") % {"day": on}
    if "days_without" in item:
        return _("Focal bone tenderness reported on %(day)s, after %(n)s days without it") % {
            "day": on,
            "n": _number(item["days_without"]),
        }
    if value == FocalTenderness.SAME:
        return _("Focal bone tenderness, the same as before, on %(day)s") % {"day": on}
    return _("No focal bone tenderness on %(day)s") % {"day": on}


def _night_or_rest(item: Item, on: str) -> str:
    rest = item.get("pain_rest")
    if item.get("night_pain"):
        if rest is None:
            return _("Night pain reported on %(day)s") % {"day": on}
        return _("Night pain reported on %(day)s; pain at rest %(rest)s") % {
            "day": on,
            "rest": _score(rest),
        }
    return _("Pain at rest %(rest)s on %(day)s") % {"rest": _score(rest), "day": on}


def _run(item: Item, on: str) -> str:
    done = _number(item.get("run_minutes"))
    if "prescribed_run_minutes" in item:
        prescribed = item["prescribed_run_minutes"]
        if not prescribed:
            return _("Ran %(done)s min on %(day)s, a day with no run prescribed") % {
                "done": done,
                "day": on,
            }
        return _("Run %(done)s min against %(planned)s min prescribed on %(day)s") % {
            "done": done,
            "planned": _number(prescribed),
            "day": on,
        }
    return _("Run %(done)s min on %(day)s; the longest of the 30 days before: %(longest)s min") % {
        "done": done,
        "day": on,
        "longest": _number(item.get("longest_30_days")),
    }


def _missed(item: Item, on: str) -> str:
    return _("No check-in from %(first)s to %(last)s (%(n)s days)") % {
        "first": on,
        "last": _day(item.get("to", "")),
        "n": _number(item.get("days_missed")),
    }


def _groin(item: Item, on: str) -> str:
    if item.get("hip_history"):
        return _(
            "Groin or front-of-hip pain reported on %(day)s, with a history of hip or femoral-neck "
            "stress injury"
        ) % {"day": on}
    return _("Groin or front-of-hip pain reported on %(day)s") % {"day": on}


def _swelling(item: Item, on: str) -> str:
    value = item.get("swelling")
    label = Swelling(value).label if value in Swelling.values else _("not reported")
    return _("Swelling %(level)s on %(day)s") % {"level": str(label).lower(), "day": on}


# The key that identifies each kind of evidence, and how it is said; the first match wins.
_SAYINGS: tuple[tuple[str, Callable[[Item, str], str]], ...] = (
    ("days_missed", _missed),
    ("focal_tenderness", _tenderness),
    ("night_pain", _night_or_rest),
    (
        "pain_with_walking",
        lambda _item, on: _("Pain with walking reported on %(day)s") % {"day": on},
    ),
    (
        "pain_during",
        lambda item, on: (
            _("Pain during the run %(during)s, after it %(after)s, on %(day)s")
            % {
                "during": _score(item.get("pain_during")),
                "after": _score(item.get("pain_after")),
                "day": on,
            }
        ),
    ),
    (
        "pain_next_morning",
        lambda item, on: (
            _("Pain the next morning %(pain)s on %(day)s")
            % {"pain": _score(item.get("pain_next_morning")), "day": on}
        ),
    ),
    ("swelling", _swelling),
    ("groin_pain", _groin),
    ("run_minutes", _run),
    (
        "sleep_hours",
        lambda item, on: (
            _("Slept %(hours)s h, reported on %(day)s")
            % {"hours": _number(item.get("sleep_hours")), "day": on}
        ),
    ),
    (
        "fatigue",
        lambda item, on: (
            _("Fatigue %(level)s on %(day)s") % {"level": _score(item.get("fatigue")), "day": on}
        ),
    ),
    ("menstrual_status", lambda _item, on: _("Missed period reported on %(day)s") % {"day": on}),
    (
        "fuelling_adequate",
        lambda _item, on: (
            _("Not eating enough for the training, reported on %(day)s") % {"day": on}
        ),
    ),
    (
        "confidence",
        lambda item, on: (
            _("Confidence in the injured leg %(level)s on %(day)s")
            % {"level": _score(item.get("confidence")), "day": on}
        ),
    ),
)


def in_words(item: Item) -> str:
    """One day of a flag's evidence as a sentence."""
    on = _day(item.get("date", ""))
    for key, say in _SAYINGS:
        if key in item:
            return say(item, on)
    return _("Reported on %(day)s") % {"day": on}


def evidence_in_words(evidence: list[dict[str, Any]]) -> list[str]:
    """A flag's evidence, newest first, one sentence a day."""
    return [
        in_words(item)
        for item in sorted(evidence, key=lambda i: str(i.get("date", "")), reverse=True)
    ]


def thresholds_in_words(rule_code: str, values: Mapping[str, Any]) -> list[str]:
    """The thresholds a flag was raised with, as the rule settings page words them:
    "Pain at rest from 3/10", not `rest_pain = 3`."""
    said = []
    for name, value in values.items():
        try:
            threshold = thresholds.get(rule_code, name)
            number = thresholds.number_text(float(value))
        except (KeyError, TypeError, ValueError):
            continue  # a threshold retired since the flag was raised
        unit = threshold.unit if threshold.unit.startswith("/") else f" {_(threshold.unit)}"
        said.append(f"{_(threshold.label)} {number}{unit}")
    return said


# What the flag's own chart plots for each kind of evidence: the check-in answers the rule read.
# (field, label, kind): a "yes" answer is drawn as a bar of 1, a level or score as its number.
_YES, _SCORE, _AMOUNT = "yes", "score", "amount"
_PLOTTED: dict[str, tuple[tuple[str, Any, str], ...]] = {
    "night_pain": (
        ("night_pain", gettext_lazy("Night pain (bar = yes)"), _YES),
        ("pain_rest", gettext_lazy("Pain at rest (0–10)"), _SCORE),
    ),
    "pain_with_walking": (
        ("pain_with_walking", gettext_lazy("Pain when walking (bar = yes)"), _YES),
    ),
    "groin_pain": (("groin_pain", gettext_lazy("Groin or front-of-hip pain (bar = yes)"), _YES),),
    "pain_during": (
        ("pain_during", gettext_lazy("Pain during (0–10)"), _SCORE),
        ("pain_after", gettext_lazy("Pain after (0–10)"), _SCORE),
    ),
    "pain_next_morning": (("pain_next_morning", gettext_lazy("Pain next morning (0–10)"), _SCORE),),
    "focal_tenderness": (("focal_tenderness", gettext_lazy("Tenderness (1 same, 2 new)"), _SCORE),),
    "swelling": (("swelling", gettext_lazy("Swelling (0–3)"), _SCORE),),
    "fatigue": (("fatigue", gettext_lazy("Fatigue (0–10)"), _SCORE),),
    "confidence": (("confidence", gettext_lazy("Confidence (0–10)"), _SCORE),),
    "menstrual_status": (("menstrual_status", gettext_lazy("Missed period (bar = yes)"), _YES),),
    "fuelling_adequate": (
        ("fuelling_adequate", gettext_lazy("Not eating enough (bar = yes)"), _YES),
    ),
    "sleep_hours": (("sleep_hours", gettext_lazy("Sleep (hours)"), _AMOUNT),),
    "run_minutes": (
        ("run_minutes", gettext_lazy("Run minutes"), _AMOUNT),
        ("prescribed_run_minutes", gettext_lazy("Prescribed run minutes"), _AMOUNT),
    ),
    "days_missed": (("checked_in", gettext_lazy("Checked in (bar = yes)"), _YES),),
}
_TENDERNESS_LEVEL = {FocalTenderness.NONE: 0, FocalTenderness.SAME: 1, FocalTenderness.NEW: 2}


def _plotted_value(checkin: CheckIn | None, field: str, kind: str) -> float | None:
    if field == "checked_in":
        return 1 if checkin is not None else 0
    if checkin is None:
        return None
    value = getattr(checkin, field)
    if field == "focal_tenderness":
        return _TENDERNESS_LEVEL.get(value)
    if field == "swelling":
        return SWELLING_LEVEL.get(value)
    if field == "menstrual_status":
        return 1 if value == "missed" else 0 if value else None
    if field == "fuelling_adequate":
        return None if value is None else int(not value)
    if kind == _YES:
        return None if value is None else int(bool(value))
    return None if value is None else float(value)


def fired_series(
    evidence: list[dict[str, Any]], checkins: list[CheckIn], days: list[str]
) -> dict[str, Any]:
    """The series of the answers that fired the rule, one point a day, for the flag's chart."""
    keys = {key for item in evidence for key in item if key in _PLOTTED}
    fields = [entry for key, entries in _PLOTTED.items() if key in keys for entry in entries]
    by_day = {c.date.isoformat(): c for c in checkins}
    scale_of_ten = bool(fields) and all(kind in (_YES, _SCORE) for _f, _l, kind in fields)
    # Beside 0-10 scores a "yes" is drawn full height, so that it is seen at a glance.
    yes_height = 10 if any(kind == _SCORE for _f, _l, kind in fields) else 1

    def point(checkin: CheckIn | None, field: str, kind: str) -> float | None:
        value = _plotted_value(checkin, field, kind)
        return value * yes_height if kind == _YES and value is not None else value

    series = [
        {
            "label": str(label),
            "bar": kind == _YES,
            "data": [point(by_day.get(day), field, kind) for day in days],
        }
        for field, label, kind in fields
    ]
    return {"series": series, "max": 10 if scale_of_ten else None}
