"""The de-identified research dataset of a clinic: consented patients only, k-anonymous.

What leaves: per episode (injury), the age band at diagnosis, sex, sport, site, grade, risk,
protocol and its outcomes as day intervals from the diagnosis (day 0), and the daily check-in
values as day offsets. What never leaves: names, e-mails, birth dates, free text, RTR ids and any
date (HIPAA Safe Harbor keeps no date element but the year; we keep no year either). Episodes are
numbered afresh, in a random order, in each export.

Quasi-identifiers (age band, sex, sport, site, risk) are generalised step by step (10-year age
bands, sport grouped, site grouped by region, then the field suppressed) until every
combination holds at least K patients; episodes still in a smaller group are left out. The
result is checked with pycanon's k-anonymity before the file is offered.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from checkins.models import CheckIn
from patients.models import Patient

from . import outcomes

if TYPE_CHECKING:
    from rtr.accounts.models import Clinic

K = 5
QUASI_IDENTIFIERS = ["age_band", "sex", "sport", "site", "risk"]
MAX_SUPPRESSED_SHARE = 0.1
SUPPRESSED = "*"
REGION = {
    "femoral_neck_tension": "hip and pelvis",
    "femoral_neck_compression": "hip and pelvis",
    "femoral_shaft": "thigh",
    "pelvis": "hip and pelvis",
    "sacrum": "hip and pelvis",
    "patella": "knee",
    "tibia_anterior": "lower leg",
    "tibia_posteromedial": "lower leg",
    "fibula": "lower leg",
    "medial_malleolus": "ankle",
    "talus": "foot",
    "calcaneus": "foot",
    "navicular": "foot",
    "mt1": "foot",
    "mt2": "foot",
    "mt3": "foot",
    "mt4": "foot",
    "mt5": "foot",
    "sesamoid": "foot",
}
RUNNING_SPORTS = {"running", "athletics", "track", "track and field", "cross country", "trail"}
DAILY_FIELDS = (
    "pain_rest",
    "pain_during",
    "pain_after",
    "pain_next_morning",
    "focal_tenderness",
    "swelling",
    "session_done",
    "run_minutes",
    "run_distance_km",
    "walk_minutes",
    "cross_training_minutes",
    "session_rpe",
    "cadence",
    "sleep_hours",
    "sleep_quality",
    "fatigue",
    "stress",
    "confidence",
)  # no notes (free text), no menstrual data, no watch identifiers
EPISODE_FIELDS = (
    "episode",
    *QUASI_IDENTIFIERS,
    "grade",
    "protocol",
    "protocol_version",
    "status",
    "days_to_first_run",
    "days_to_full_training",
    "days_to_return_to_sport",
    "days_to_end",
    "stages_held",
    "stages_regressed",
    "flags",
    "recurrence_within_12_months",
)


def age_band(age: int, width: int) -> str:
    if age >= 90:
        return "90+"  # HIPAA Safe Harbor groups ages over 89
    low = age // width * width
    return f"{low}-{low + width - 1}"


def sport_group(sport: str) -> str:
    return "running" if sport.strip().lower() in RUNNING_SPORTS else "other sport"


# Generalisation levels, least to most general: (age band width or None, sport, site)
LEVELS: list[tuple[int | None, str, str]] = [
    (5, "exact", "exact"),
    (10, "exact", "exact"),
    (10, "group", "exact"),
    (10, "group", "region"),
    (20, "group", "region"),
    (None, "group", "region"),
    (None, SUPPRESSED, "region"),
    (None, SUPPRESSED, SUPPRESSED),
]


def _generalise(e: outcomes.Episode, level: tuple[int | None, str, str]) -> dict[str, str]:
    width, sport, site = level
    return {
        "age_band": age_band(e.age_at_diagnosis, width) if width else SUPPRESSED,
        "sex": e.sex,
        "sport": e.sport.strip().lower()
        if sport == "exact"
        else (sport_group(e.sport) if sport == "group" else SUPPRESSED),
        "site": e.site
        if site == "exact"
        else (REGION.get(e.site, "other") if site == "region" else SUPPRESSED),
        "risk": e.risk,
    }


def describe_level(level: tuple[int | None, str, str]) -> list[str]:
    width, sport, site = level
    said = []
    said.append(f"age in {width}-year bands" if width else "age removed")
    if sport == "group":
        said.append("sport grouped as running or other sport")
    elif sport == SUPPRESSED:
        said.append("sport removed")
    if site == "region":
        said.append("injury site grouped by body region")
    elif site == SUPPRESSED:
        said.append("injury site removed")
    return said


@dataclass
class ResearchDataset:
    episodes: list[dict[str, Any]]
    daily: list[dict[str, Any]]
    k: int | None
    consented: int
    generalised: list[str] = field(default_factory=list)
    suppressed_episodes: int = 0
    excluded_without_consent: int = 0

    @property
    def is_offered(self) -> bool:
        return self.k is not None and self.k >= K and bool(self.episodes)


def check_k(rows: list[dict[str, Any]]) -> int | None:
    """k of the rows over the quasi-identifiers, by pycanon."""
    if not rows:
        return None
    # Not at the top: pandas takes a second to import and only this check needs it.
    import pandas as pd
    from pycanon import anonymity

    frame = pd.DataFrame([{q: row[q] for q in QUASI_IDENTIFIERS} for row in rows])
    return int(anonymity.k_anonymity(frame, QUASI_IDENTIFIERS))


def research_dataset(clinic: Clinic, *, seed: int | None = None) -> ResearchDataset:
    consented_ids = set(
        Patient.objects.filter(
            clinic=clinic,
            erased_at__isnull=True,
            research_consent__isnull=False,
            research_consent__withdrawn_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    every = outcomes.episodes(clinic)
    mine = [e for e in every if e.patient_id in consented_ids]
    excluded = len({e.patient_id for e in every} - consented_ids)
    # generalise until at most a tenth of the episodes fall in groups smaller than K
    chosen, keep = LEVELS[-1], list(mine)
    for level in LEVELS:
        keys = [tuple(_generalise(e, level).values()) for e in mine]
        sizes = Counter(keys)
        small = [e for e, key in zip(mine, keys, strict=True) if sizes[key] < K]
        if len(small) <= MAX_SUPPRESSED_SHARE * len(mine) or level == LEVELS[-1]:
            chosen = level
            keep = [e for e, key in zip(mine, keys, strict=True) if sizes[key] >= K]
            break
    rng = random.Random(seed)  # noqa: S311 - an order, not a secret
    rng.shuffle(keep)
    rows, daily = [], []
    numbers = {}
    for n, e in enumerate(keep, start=1):
        numbers[e.injury_id] = n
        rows.append(
            {
                "episode": n,
                **_generalise(e, chosen),
                "grade": e.grade,
                "protocol": e.protocol,
                "protocol_version": e.protocol_version or "",
                "status": e.status,
                "days_to_first_run": _blank(e.days_to_first_run),
                "days_to_full_training": _blank(e.days_to_full_training),
                "days_to_return_to_sport": _blank(e.days_to_return),
                "days_to_end": _blank(e.days(e.ended_on)),
                "stages_held": e.holds,
                "stages_regressed": e.regressions,
                "flags": sum(e.flags_by_rule.values()),
                "recurrence_within_12_months": "yes" if e.recurred_by else "no",
            }
        )
    episodes_by_patient: dict[int, list[outcomes.Episode]] = {}
    for e in keep:
        episodes_by_patient.setdefault(e.patient_id, []).append(e)
    for patient_id, day, *values in (
        CheckIn.objects.filter(patient_id__in=episodes_by_patient)
        .order_by("patient_id", "date")
        .values_list("patient_id", "date", *DAILY_FIELDS)
    ):
        episode = next(
            (e for e in reversed(episodes_by_patient[patient_id]) if e.diagnosed_on <= day), None
        )
        if episode is None:
            continue
        daily.append(
            {
                "episode": numbers[episode.injury_id],
                "day": (day - episode.diagnosed_on).days,
                **{
                    name: _blank(float(v) if isinstance(v, Decimal) else v)
                    for name, v in zip(DAILY_FIELDS, values, strict=True)
                },
            }
        )
    daily.sort(key=lambda r: (r["episode"], r["day"]))
    generalised = describe_level(chosen)
    return ResearchDataset(
        episodes=rows,
        daily=daily,
        k=check_k(rows),
        consented=len(consented_ids),
        generalised=generalised,
        suppressed_episodes=len(mine) - len(keep),
        excluded_without_consent=excluded,
    )


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _csv(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def research_archive(dataset: ResearchDataset) -> bytes:
    """episodes.csv, daily.csv and a short description of what was generalised or left out."""
    if not dataset.is_offered:
        raise ValueError("the dataset is not k-anonymous: it cannot be offered")
    about = "\n".join(
        [
            "RTR de-identified research dataset",
            f"k-anonymity over {', '.join(QUASI_IDENTIFIERS)}: k = {dataset.k} (checked with pycanon)",
            "Generalised: " + "; ".join(dataset.generalised),
            f"Episodes left out to reach k = {K}: {dataset.suppressed_episodes}",
            "Intervals are days from the diagnosis (day 0); there are no dates, names,",
            "e-mails, free text or RTR ids. Episode numbers are new in each export.",
            "",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", about)
        archive.writestr("episodes.csv", _csv(dataset.episodes, EPISODE_FIELDS))
        archive.writestr("daily.csv", _csv(dataset.daily, ("episode", "day", *DAILY_FIELDS)))
    return buffer.getvalue()
