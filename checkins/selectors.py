"""Reads over check-ins for the care team and the athlete: the log, adherence and chart data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR

from checkins.warning_signs import thresholds
from checkins.warning_signs.rules.base import SWELLING_LEVEL
from patients.models import Patient
from protocols import selectors as protocol_selectors
from protocols.models import Plan

from . import logic
from .models import CheckIn, FocalTenderness, SessionDone, Swelling

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


def my_patient(request: AuthedRequest) -> Patient | None:
    """The athlete's own record: from the session, never from the URL."""
    return Patient.objects.visible_to(request.membership).select_related("clinic").first()


def checkins_between(patient: Patient, first: date, last: date) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(patient=patient, date__gte=first, date__lte=last).order_by("date")
    )


@dataclass(frozen=True)
class Adherence:
    days: int
    expected: int
    done: int
    sessions_prescribed: int
    sessions_as_prescribed: int

    @property
    def checkin_pct(self) -> int | None:
        return round(100 * self.done / self.expected) if self.expected else None

    @property
    def session_pct(self) -> int | None:
        return (
            round(100 * self.sessions_as_prescribed / self.sessions_prescribed)
            if self.sessions_prescribed
            else None
        )


def adherence(checkins: list[CheckIn], *, today: date, days: int, since: date | None) -> Adherence:
    """Check-ins done against expected over the last `days` days (from `since`, e.g. the plan start)."""
    first = today - timedelta(days=days - 1)
    if since is not None:
        first = max(first, since)
    window = [c for c in checkins if first <= c.date <= today]
    expected = max((today - first).days + 1, 0)
    prescribed = [c for c in window if c.prescribed_kind == "session"]
    return Adherence(
        days=days,
        expected=expected,
        done=len(window),
        sessions_prescribed=len(prescribed),
        sessions_as_prescribed=sum(
            1 for c in prescribed if c.session_done == SessionDone.AS_PRESCRIBED
        ),
    )


def plan_start(patient: Patient) -> date | None:
    plan = (
        Plan.objects.filter(patient=patient)
        .exclude(status="draft")
        .order_by("-created_at")
        .only("start_date")
        .first()
    )
    return plan.start_date if plan else None


def _limits(checkins: list[CheckIn]) -> thresholds.Values:
    """The clinic's thresholds for these check-ins (one patient's), read once per page."""
    if not checkins:
        return thresholds.defaults()
    first = checkins[0]
    if "patient" in first._state.fields_cache:
        return thresholds.for_clinic(first.patient.clinic_id)
    return thresholds.for_clinic(
        Patient.objects.filter(pk=first.patient_id).values_list("clinic_id", flat=True).first()
    )


def chart_data(
    checkins: list[CheckIn],
    *,
    first: date,
    last: date,
    clinical: bool,
    highlight: list[str] | None = None,
    limits: thresholds.Values | None = None,
) -> dict[str, Any]:
    """Series for the charts, one point per day (None where there was no check-in).

    Running, walking and cross-training minutes are drawn against the prescribed running, day
    by day and totalled by week (planned against done); the watch's figures (steps, resting
    heart rate, HRV) and the symptoms only for the clinical team, and the watch's only where
    reported."""
    by_day = {c.date: c for c in checkins}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def series(attr: str) -> list[Any]:
        return [_number(getattr(by_day[d], attr)) if d in by_day else None for d in days]

    data: dict[str, Any] = {
        "labels": [d.isoformat() for d in days],
        "run_minutes": series("run_minutes"),
        "walk_minutes": series("walk_minutes"),
        "cross_training_minutes": series("cross_training_minutes"),
        "prescribed_run_minutes": series("prescribed_run_minutes"),
        "highlight": [d.isoformat() in set(highlight or []) for d in days],
        **weekly_totals(by_day, days),
    }
    if clinical:
        for name in ("steps", "resting_hr", "hrv_ms"):
            values = series(name)
            data[name] = values if any(v is not None for v in values) else []
        limits = limits or _limits(checkins)
        data.update(
            {
                "pain_during": series("pain_during"),
                "pain_after": series("pain_after"),
                "pain_next_morning": series("pain_next_morning"),
                "sleep_hours": series("sleep_hours"),
                "swelling": [
                    SWELLING_LEVEL[by_day[d].swelling] if d in by_day else None for d in days
                ],
                "tenderness": [
                    {"none": 0, "same": 1, "new": 2}[by_day[d].focal_tenderness]
                    if d in by_day
                    else None
                    for d in days
                ],
                "red_flag_days": [
                    d.isoformat()
                    for d in days
                    if d in by_day and logic.red_flags(by_day[d], limits)
                ],
            }
        )
    return data


def weekly_totals(by_day: dict[date, CheckIn], days: list[date]) -> dict[str, list[Any]]:
    """Minutes by week (weeks start on Monday): running planned and done, walking, cross-training."""
    weeks: dict[date, dict[str, float]] = {}
    for day in days:
        week = weeks.setdefault(
            day - timedelta(days=day.weekday()),
            {"planned": 0.0, "run": 0.0, "walk": 0.0, "cross": 0.0},
        )
        checkin = by_day.get(day)
        if checkin is None:
            continue
        week["planned"] += float(checkin.prescribed_run_minutes or 0)
        week["run"] += float(checkin.run_minutes or 0)
        week["walk"] += float(checkin.walk_minutes or 0)
        week["cross"] += float(checkin.cross_training_minutes or 0)
    return {
        "week_labels": [monday.isoformat() for monday in weeks],
        "week_run_planned": [w["planned"] for w in weeks.values()],
        "week_run_done": [w["run"] for w in weeks.values()],
        "week_walk": [w["walk"] for w in weeks.values()],
        "week_cross": [w["cross"] for w in weeks.values()],
    }


def chart_first_day(
    checkins: list[CheckIn], *, first: date, last: date, since: date | None
) -> date:
    """Where a patient's charts begin: at the plan's start or the first check-in when that is
    later than `first` (a new athlete is not one dot at the edge of four empty weeks), and
    never less than a week before `last`."""
    starts = [day for day in (since, min((c.date for c in checkins), default=None)) if day]
    begin = max(first, min(starts)) if starts else first
    return min(begin, last - timedelta(days=6))


def _number(value: Any) -> Any:
    return float(value) if value is not None and not isinstance(value, int | bool) else value


def log_rows(
    checkins: list[CheckIn], limits: thresholds.Values | None = None
) -> list[dict[str, Any]]:
    """The log table's rows, newest first, with the words each shows looked up once per page.

    `make bench` found the 180-day log spending most of its time translating the same labels
    (choice labels, day and month names, number formats) row after row: here each is
    translated once and the rows only look them up.
    """
    session = {value: str(label) for value, label in SessionDone.choices}
    swelling = {value: str(label) for value, label in Swelling.choices}
    tender = {value: str(label) for value, label in FocalTenderness.choices}
    days = {number: str(name) for number, name in WEEKDAYS_ABBR.items()}
    months = {number: str(name).title() for number, name in MONTHS_3.items()}

    def number(value: object) -> str:
        return "–" if value is None else str(value)

    limits = limits or _limits(checkins)

    return [
        {
            "checkin": c,
            "red_flags": logic.red_flags(c, limits),
            "over_limit": logic.run_pain_over_limit(c, limits),
            "day": f"{days[c.date.weekday()]} {c.date.day} {months[c.date.month]}",
            "session": session.get(c.session_done, c.session_done),
            "swelling": swelling.get(c.swelling, c.swelling),
            "tender": tender.get(c.focal_tenderness, c.focal_tenderness),
            "pain": " / ".join(
                number(v) for v in (c.pain_rest, c.pain_during, c.pain_after, c.pain_next_morning)
            ),
            "run": number(c.run_minutes),
        }
        for c in reversed(checkins)
    ]


@dataclass(frozen=True)
class DayAgainstPlan:
    day: date
    planned: str
    checkin: CheckIn | None
    is_future: bool


def week_against_plan(plan: Plan, checkins: list[CheckIn], *, today: date) -> list[DayAgainstPlan]:
    """This week (Monday to Sunday): each day's session from the plan beside what the athlete
    reported. Past days show the session the check-in recorded as prescribed (the plan may
    have moved on since); today and later days the plan's prescription."""
    by_day = {c.date: c for c in checkins}
    monday = today - timedelta(days=today.weekday())
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        checkin = by_day.get(day)
        planned = (
            checkin.prescribed_label
            if checkin is not None and checkin.prescribed_label
            else protocol_selectors.prescription_for(plan, day).title
        )
        days.append(DayAgainstPlan(day, str(planned), checkin, is_future=day > today))
    return days
