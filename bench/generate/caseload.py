"""The generated caseload's shape: names, sizes, the per-patient record the generator fills,
the injected warning patterns, and the state of the bench rows already in the database."""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from checkins.models import (
    CheckIn,
    Flag,
)
from checkins.warning_signs import rules
from patients import bsi
from patients.models import Patient
from protocols.models import (
    ProtocolTemplate,
    Stage,
)
from rtr.accounts.models import Clinic

# The columns every generated flag fills (closed ones add who closed them, open ones escalation).
FLAG_COLUMNS = (
    "id",
    "public_id",
    "clinic_id",
    "patient_id",
    "plan_id",
    "rule_code",
    "rule_version",
    "severity",
    "status",
    "summary",
    "evidence",
    "thresholds",
    "first_seen_date",
    "last_evidence_date",
    "opened_at",
)
# The columns of a generated notification (in-app ones of closed flags add when they were read).
NOTIFICATION_COLUMNS = (
    "recipient_id",
    "kind",
    "channel",
    "flag_id",
    "reason",
    "title",
    "link",
    "created_at",
    "sent_at",
)
CLINIC_PREFIX = "RTR Bench"
DOMAIN = "bench.rtr"
PASSWORD = "rtr-bench-2026"  # noqa: S105 - generated bench accounts on the bench database only
ZONE = "Europe/London"
PATIENTS_PER_PHYSIO = 50
PATIENTS_PER_COACH = 200
LONG_HISTORY_DAYS = 180
LONG_HISTORY_EMAIL = f"athlete-00000@{DOMAIN}"
# The bench's physios use the app without a second factor (their clinic does not ask for one;
# leads always need one): the page benchmark signs in as a physio.
CLINIC_OPTIONS = (
    {"clinicians_need_two_factor": False}
    if "clinicians_need_two_factor" in {f.name for f in Clinic._meta.get_fields()}
    else {}
)
LIBRARY_ORDER = ("low_risk_tibia_mt", "high_risk_conservative", "generic_conservative")

# Injury sites, weighted roughly as in runners' bone stress injury series (domain.md §2).
SITES: list[tuple[str, str, int]] = [
    (bsi.Site.TIBIA_POSTEROMEDIAL, "", 34),
    (bsi.Site.MT2, bsi.MetatarsalZone.SHAFT, 8),
    (bsi.Site.MT3, bsi.MetatarsalZone.SHAFT, 8),
    (bsi.Site.MT4, bsi.MetatarsalZone.NECK, 3),
    (bsi.Site.FIBULA, "", 8),
    (bsi.Site.CALCANEUS, "", 5),
    (bsi.Site.FEMORAL_SHAFT, "", 4),
    (bsi.Site.PELVIS, "", 4),
    (bsi.Site.SACRUM, "", 3),
    (bsi.Site.NAVICULAR, "", 6),
    (bsi.Site.FEMORAL_NECK_COMPRESSION, "", 5),
    (bsi.Site.TIBIA_ANTERIOR, "", 4),
    (bsi.Site.MT5, bsi.MetatarsalZone.PROXIMAL_DIAPHYSIS, 3),
    (bsi.Site.MEDIAL_MALLEOLUS, "", 2),
    (bsi.Site.SESAMOID, "", 2),
    (bsi.Site.TALUS, "", 1),
]
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Jo",
    "Maya",
    "Liam",
    "Chloe",
    "Noah",
    "Emma",
    "Oliver",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Zoe",
    "Leo",
    "Isla",
    "Finn",
    "Ruby",
    "Omar",
    "Lena",
    "Theo",
    "Nia",
    "Ravi",
    "Ines",
    "Kai",
    "Hana",
    "Jonas",
    "Freya",
    "Mateo",
    "Aisha",
    "Hugo",
    "Elsa",
    "Tariq",
    "Clara",
    "Yusuf",
    "Maren",
    "Diego",
    "Saoirse",
    "Ben",
    "Priya",
]
LAST_NAMES = [
    "Runner",
    "Strider",
    "Miles",
    "Okoro",
    "Byrne",
    "Martin",
    "Ahmed",
    "Novak",
    "Singh",
    "Brown",
    "Walsh",
    "Kowalski",
    "Moreau",
    "Haddad",
    "Larsen",
    "Silva",
    "Murphy",
    "Chen",
    "Osei",
    "Dubois",
    "Fischer",
    "Romero",
    "Kelly",
    "Nakamura",
    "Petrov",
    "Rossi",
    "Hughes",
    "Nowak",
    "Ward",
    "Jensen",
    "Costa",
    "Duffy",
    "Akhtar",
    "Varga",
    "Lindqvist",
    "Baker",
    "Quinn",
    "Evans",
    "Moss",
    "Patel",
    "Ferreira",
    "Jung",
    "Oduya",
    "Hale",
    "Sato",
    "Mendes",
    "Keane",
    "Novotny",
    "Price",
    "Adeyemi",
]
DISCIPLINES = [
    "800 m",
    "1500 m",
    "5000 m",
    "10 000 m",
    "half marathon",
    "marathon",
    "trail",
    "cross-country",
]


LiveFlag = tuple[str, str, str, list[dict[str, Any]], date, date, date | None]


# --- The caseload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    index: int
    kind: str
    label: str
    run_total: int
    walk_total: int
    cross_minutes: int
    prescribed_run: Decimal


@dataclass(frozen=True)
class StageSpec:
    index: int
    duration: tuple[int, int]
    sessions_per_week: int
    no_back_to_back: bool
    rest_days: int
    has_strength: bool
    has_cross_training: bool
    weekly_cap: int | None
    steps: tuple[StepSpec, ...]


@dataclass
class TemplateSpec:
    template: ProtocolTemplate
    stages: list[Stage]
    specs: list[StageSpec]


@dataclass
class PatientPlan:
    """One patient as generated: ids, the plan's stage timeline, and what the rules need."""

    index: int
    patient_id: int
    user_id: int
    clinic_id: int
    physio_id: int
    lead_id: int
    full_name: str
    template: TemplateSpec
    stage_ids: list[int]
    step_ids: list[list[int]]
    plan_id: int
    start: date
    stage_starts: list[date]
    days: int
    female: bool
    adolescent: bool
    hip_history: bool
    rng: random.Random
    current_stage: int = 0
    current_step: int = 0
    patterns: list[Pattern] = field(default_factory=list)
    live: list[LiveFlag] = field(default_factory=list)
    findings: list[rules.Finding] = field(default_factory=list)


@dataclass
class Pattern:
    """A warning pattern injected into an athlete's days: the ground truth the alert-burden
    table measures the rules against (is it flagged, within a day of when it should be?)."""

    rule: str  # the warning-sign rule that should flag it
    start: int  # the day (offset) it may begin; run patterns wait for a running session
    length: int  # days it lasts
    variant: str = ""
    injected_on: int | None = None  # the day it began
    trigger: date | None = None  # the day the rule should fire


# Injected warning patterns: relative frequencies, and the share of athletes with any.
PATTERNS: tuple[tuple[str, int], ...] = (
    ("run_pain", 14),
    ("next_morning_pain", 10),
    ("load_spike", 10),
    ("missed_checkins", 10),
    ("persistent_swelling", 8),
    ("high_fatigue", 8),
    ("poor_sleep", 8),
    ("new_focal_tenderness", 6),
    ("persistent_focal_tenderness", 6),
    ("low_confidence", 6),
    ("low_energy_signs", 6),
    ("night_pain", 3),
    ("pain_with_walking", 3),
    ("groin_pain", 2),
)
PATTERN_SHARE = 0.3
RUN_PATTERNS = frozenset({"run_pain", "load_spike"})  # happen on a running session only
STREAK_PATTERNS = frozenset({"persistent_swelling", "high_fatigue", "poor_sleep", "low_confidence"})
SAME_DAY_PATTERNS = frozenset(
    {
        "run_pain",
        "load_spike",
        "next_morning_pain",
        "new_focal_tenderness",
        "night_pain",
        "pain_with_walking",
        "groin_pain",
    }
)
# Flags whose evidence is older than this were dealt with by the care team (closed).
CLOSED_AFTER_DAYS = 7


def alert_burden_path() -> Path:
    """Where the generator leaves its alert-burden counts for `make bench` (per database)."""
    name = connection.settings_dict["NAME"]
    return Path(tempfile.gettempdir()) / f"rtr-alert-burden-{name}.json"


def write_alert_burden(data: dict[str, Any]) -> None:
    alert_burden_path().write_text(json.dumps(data, indent=1))


def read_alert_burden(*, patients: int, days: int, today: date) -> dict[str, Any] | None:
    """The counts of the caseload now in the database, or None when they are not there (data
    generated before they were kept, or for another size or day)."""
    try:
        data: dict[str, Any] = json.loads(alert_burden_path().read_text())
    except (OSError, ValueError):
        return None
    if (data.get("patients"), data.get("days"), data.get("today")) != (
        patients,
        days,
        today.isoformat(),
    ):
        return None
    return data


def current_state(today: date) -> tuple[int, int, date | None, date | None]:
    clinics = Clinic.objects.filter(name__startswith=CLINIC_PREFIX)
    if not Flag.objects.filter(
        patient__user__email=LONG_HISTORY_EMAIL, status__in=["open", "acknowledged"]
    ).exists():
        return 0, 0, None, None  # never generated (that athlete always has a live warning)
    checkins = CheckIn.objects.filter(patient__clinic__in=clinics)
    first = checkins.exclude(patient__user__email=LONG_HISTORY_EMAIL).aggregate(d=Min("date"))["d"]
    last = checkins.filter(date__lt=today).aggregate(d=Max("date"))["d"]
    return Patient.objects.filter(clinic__in=clinics).count(), clinics.count(), first, last


class GeneratorBase:
    """What every part of the generator shares: the sizes, the clock, the seeded randomness and
    the patients as generated so far."""

    templates: dict[str, TemplateSpec]
    patients: list[PatientPlan]
    chosen: dict[str, tuple[bool, dict[str, float]]]
    alert_burden: dict[str, list[int]]

    def __init__(
        self,
        *,
        patients: int,
        days: int,
        clinics: int,
        seed: int,
        today: date,
        say: Callable[[str], None],
    ) -> None:
        self.n_patients, self.days, self.n_clinics = patients, days, clinics
        self.seed, self.today, self.say = seed, today, say
        self.zone = ZoneInfo(ZONE)
        self.rng = random.Random(seed)  # noqa: S311 - generated data, not security
        self.now = timezone.now()
        self.timings: dict[str, float] = {}

    def step(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started
        self.say(f"  {name}: {self.timings[name]:.1f} s")

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
