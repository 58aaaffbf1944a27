"""Training-load figures from check-ins and imported runs (domain.md §5).

- Session-RPE load = RPE (CR-10) x session minutes (Foster et al. 2001, J Strength Cond Res
  15:109). The session is the day's running, walking and cross-training minutes.
- Monotony = mean daily load of the week / its standard deviation; strain = weekly load x
  monotony (Foster 1998, Med Sci Sports Exerc 30:1164). The SD is the population SD of the
  seven days (a rest day counts as a load of 0).
- Acute:chronic workload ratio, exponentially weighted (Williams et al., BJSM 2017;51:209):
  EWMA_today = load_today x lambda + (1 - lambda) x EWMA_yesterday, lambda = 2 / (N + 1), with
  N = 7 (acute) and 28 (chronic); ACWR = acute / chronic. Shown for display only, with the
  0.8-1.3 band (Gabbett 2016); the rules judge single-session spikes and weekly change instead
  (domain.md §5.2, §5.5).
- Impact minutes = running minutes + plyometric minutes (loading cycles of bone, Warden 2014).
- Cadence target = the athlete's baseline x 1.05 when the stage has a cadence cue
  (Heiderscheit et al. 2011: +5-10 % step rate; domain.md §5.4).

Everything for a patient is read in two queries (check-ins, imports) and computed in one pass
over the days; a clinic's figures in two queries and one pass per patient.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from checkins.models import CheckIn
from protocols.models import Plan

from .models import ImportStatus, RunImport

ACUTE_DAYS = 7
CHRONIC_DAYS = 28
ACWR_BAND = (0.8, 1.3)  # Gabbett 2016, display only
CADENCE_RAISE = 1.05  # Heiderscheit 2011 (+5 %)


# --- The formulas ---------------------------------------------------------------------------


def session_load(rpe: float | None, minutes: float) -> float | None:
    """Foster's session-RPE load in arbitrary units; None when the effort was not reported."""
    if rpe is None:
        return None
    return float(rpe) * float(minutes)


def ewma_lambda(days: int) -> float:
    return 2 / (days + 1)


def ewma(loads: Iterable[float], days: int, start: float = 0.0) -> list[float]:
    """Williams et al. 2017: each day's EWMA from the day's load and yesterday's EWMA."""
    factor = ewma_lambda(days)
    out: list[float] = []
    value = start
    for load in loads:
        value = load * factor + (1 - factor) * value
        out.append(value)
    return out


def acwr(loads: Sequence[float]) -> list[float | None]:
    """The EWMA acute:chronic ratio for each day (None while the chronic load is 0)."""
    acute = ewma(loads, ACUTE_DAYS)
    chronic = ewma(loads, CHRONIC_DAYS)
    return [round(a / c, 2) if c > 0 else None for a, c in zip(acute, chronic, strict=True)]


def monotony(daily: Sequence[float]) -> float | None:
    """Foster 1998: mean daily load / SD of the daily loads (None when the SD is 0)."""
    if not daily:
        return None
    sd = statistics.pstdev(daily)
    return None if sd == 0 else statistics.fmean(daily) / sd


def strain(daily: Sequence[float]) -> float | None:
    mono = monotony(daily)
    return None if mono is None else sum(daily) * mono


# --- A patient's days -----------------------------------------------------------------------


@dataclass
class Day:
    day: date
    run_minutes: float = 0
    planned_run_minutes: float | None = None
    distance_km: float = 0
    walk_minutes: float = 0
    cross_minutes: float = 0
    plyometric_minutes: float = 0
    rpe: float | None = None
    cadence: float | None = None
    avg_hr: int | None = None
    resting_hr: int | None = None
    hrv_ms: int | None = None
    imported: bool = False

    @property
    def session_minutes(self) -> float:
        return self.run_minutes + self.walk_minutes + self.cross_minutes

    @property
    def load(self) -> float:
        return session_load(self.rpe, self.session_minutes) or 0.0

    @property
    def impact_minutes(self) -> float:
        return self.run_minutes + self.plyometric_minutes


CHECKIN_VALUES = (
    "patient_id",
    "date",
    "run_minutes",
    "run_distance_km",
    "walk_minutes",
    "cross_training_minutes",
    "session_rpe",
    "cadence",
    "prescribed_run_minutes",
    "resting_hr",
    "hrv_ms",
)
IMPORT_VALUES = (
    "patient_id",
    "local_date",
    "moving_s",
    "run_s",
    "walk_s",
    "distance_m",
    "cadence_spm",
    "avg_hr",
    "device_rpe",
    "checkin_id",
)


def _days(
    first: date, last: date, checkins: Iterable[dict[str, Any]], imports: Iterable[dict[str, Any]]
) -> list[Day]:
    days = {first + timedelta(n): Day(first + timedelta(n)) for n in range((last - first).days + 1)}
    seen: set[date] = set()
    for row in checkins:
        d = days.get(row["date"])
        if d is None:
            continue
        seen.add(d.day)
        d.run_minutes = row["run_minutes"] or 0
        d.distance_km = float(row["run_distance_km"] or 0)
        d.walk_minutes = row["walk_minutes"] or 0
        d.cross_minutes = row["cross_training_minutes"] or 0
        d.rpe = row["session_rpe"]
        d.cadence = row["cadence"]
        pr = row["prescribed_run_minutes"]
        d.planned_run_minutes = float(pr) if pr is not None else None
        d.resting_hr = row["resting_hr"]
        d.hrv_ms = row["hrv_ms"]
    for row in imports:
        d = days.get(row["local_date"])
        if d is None:
            continue
        d.imported = True
        if row["cadence_spm"] is not None:
            d.cadence = float(row["cadence_spm"])
        d.avg_hr = row["avg_hr"] if row["avg_hr"] is not None else d.avg_hr
        if d.day in seen:
            continue  # the check-in holds the athlete's (filled or corrected) figures
        seconds = row["run_s"] if row["run_s"] is not None else row["moving_s"] or 0
        d.run_minutes += round(seconds / 60)
        d.walk_minutes += round((row["walk_s"] or 0) / 60)
        d.distance_km += float(row["distance_m"] or 0) / 1000
        if d.rpe is None and row["device_rpe"] is not None:
            d.rpe = float(row["device_rpe"])
    return [days[k] for k in sorted(days)]


def patient_days(patient_id: int, first: date, last: date) -> list[Day]:
    checkins = CheckIn.objects.filter(patient_id=patient_id, date__range=(first, last)).values(
        *CHECKIN_VALUES
    )
    imports = RunImport.objects.filter(
        patient_id=patient_id, status=ImportStatus.DONE, local_date__range=(first, last)
    ).values(*IMPORT_VALUES)
    return _days(first, last, checkins, imports)


@dataclass
class Week:
    start: date
    run_minutes: float = 0
    planned_run_minutes: float = 0
    distance_km: float = 0
    walk_minutes: float = 0
    cross_minutes: float = 0
    impact_minutes: float = 0
    load: float = 0
    monotony: float | None = None
    strain: float | None = None
    daily: list[float] = field(default_factory=list)


def weeks(days: Sequence[Day]) -> list[Week]:
    """Monday-to-Sunday weeks: volume planned and done by activity, load, monotony, strain."""
    out: dict[date, Week] = {}
    for d in days:
        monday = d.day - timedelta(days=d.day.weekday())
        w = out.setdefault(monday, Week(monday))
        w.run_minutes += d.run_minutes
        w.planned_run_minutes += d.planned_run_minutes or 0
        w.distance_km += d.distance_km
        w.walk_minutes += d.walk_minutes
        w.cross_minutes += d.cross_minutes
        w.impact_minutes += d.impact_minutes
        w.load += d.load
        w.daily.append(d.load)
    for w in out.values():
        if len(w.daily) == 7:  # monotony needs the whole week
            w.monotony = monotony(w.daily)
            w.strain = strain(w.daily)
    return [out[k] for k in sorted(out)]


def cadence_target(patient_id: int, days: Sequence[Day]) -> float | None:
    """Baseline (median of the first three runs with a cadence) x 1.05, when the current
    stage asks for a higher step rate."""
    plan = (
        Plan.objects.filter(patient_id=patient_id, status="active")
        .select_related("current_stage")
        .only("current_stage__cadence_cue")
        .first()
    )
    if plan is None or plan.current_stage is None or not plan.current_stage.cadence_cue:
        return None
    first = [d.cadence for d in days if d.cadence is not None][:3]
    if not first:
        return None
    return round(statistics.median(first) * CADENCE_RAISE)


def _r(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def chart_data(patient_id: int, first: date, last: date) -> dict[str, Any]:
    """Everything the load charts draw, for the patient page and the athlete's history."""
    days = patient_days(patient_id, first, last)
    by_week = weeks(days)
    ratio = acwr([d.load for d in days])
    target = cadence_target(patient_id, days)
    # The ratio is shown once a chronic load has built: 28 days after the first recorded one.
    first_load = next((i for i, d in enumerate(days) if d.load > 0), len(days))
    shown = [r if i >= first_load + CHRONIC_DAYS - 1 else None for i, r in enumerate(ratio)]
    latest = by_week[-1] if by_week else None
    return {
        "labels": [d.day.isoformat() for d in days],
        "acwr": shown,
        "band_low": [ACWR_BAND[0]] * len(days),
        "band_high": [ACWR_BAND[1]] * len(days),
        "cadence": [_r(d.cadence) for d in days],
        "cadence_target": [target] * len(days) if target else [],
        "avg_hr": [d.avg_hr for d in days],
        "resting_hr": [d.resting_hr for d in days],
        "hrv": [d.hrv_ms for d in days],
        "load": [round(d.load) for d in days],
        "week_labels": [w.start.isoformat() for w in by_week],
        "week_run_done": [round(w.run_minutes) for w in by_week],
        "week_run_planned": [round(w.planned_run_minutes) for w in by_week],
        "week_walk": [round(w.walk_minutes) for w in by_week],
        "week_cross": [round(w.cross_minutes) for w in by_week],
        "week_distance": [round(w.distance_km, 1) for w in by_week],
        "summary": {
            "acwr": next((r for r in reversed(shown) if r is not None), None),
            "week_load": round(latest.load) if latest else 0,
            "monotony": _r(by_week[-2].monotony, 2) if len(by_week) > 1 else None,
            "strain": round(by_week[-2].strain)
            if len(by_week) > 1 and by_week[-2].strain
            else None,
            "impact_minutes": round(latest.impact_minutes) if latest else 0,
            "week_distance": round(latest.distance_km, 1) if latest else 0,
            "cadence_target": target,
        },
    }


# --- A clinic -------------------------------------------------------------------------------


@dataclass
class PatientLoad:
    acwr: float | None
    week_load: float
    monotony: float | None
    strain: float | None


def clinic_loads(clinic_id: int, today: date) -> dict[int, PatientLoad]:
    """Each patient's latest ACWR, last 7 days' load, monotony and strain: two queries, one
    pass per patient."""
    first = today - timedelta(days=CHRONIC_DAYS * 2 - 1)
    checkins = (
        CheckIn.objects.filter(patient__clinic_id=clinic_id, date__range=(first, today))
        .order_by()
        .values(*CHECKIN_VALUES)
    )
    imports = (
        RunImport.objects.filter(
            patient__clinic_id=clinic_id, status=ImportStatus.DONE, local_date__range=(first, today)
        )
        .order_by()
        .values(*IMPORT_VALUES)
    )
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    runs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in checkins.iterator(chunk_size=5000):
        rows[row["patient_id"]].append(row)
    for row in imports.iterator(chunk_size=5000):
        runs[row["patient_id"]].append(row)
    result: dict[int, PatientLoad] = {}
    for patient_id in rows.keys() | runs.keys():
        days = _days(first, today, rows.get(patient_id, ()), runs.get(patient_id, ()))
        loads = [d.load for d in days]
        last_week = loads[-7:]
        result[patient_id] = PatientLoad(
            acwr=acwr(loads)[-1],
            week_load=sum(last_week),
            monotony=monotony(last_week),
            strain=strain(last_week),
        )
    return result
