"""The outcomes registry: what happened after each bone stress injury, in the terms of the field.

Definitions (day 0 = the diagnosis date of the injury):
- Return to running (first run): the first check-in after diagnosis with running done
  (run minutes > 0). Hoenig et al., "Return to sport following low-risk and high-risk bone
  stress injuries: a systematic review and meta-analysis", BJSM 2023;57:427-432, report time
  to return to running / to sport from diagnosis; we follow them.
- Full training: the day the plan entered its last stage (training without restriction, not yet
  cleared for sport): "return to participation" on the return-to-sport continuum (Ardern et
  al., BJSM 2016;50:853) whose terms the return-to-sport statements of the 2025 international
  Delphi consensus on bone stress injuries use (Hoenig, Hollander, Popp, Fredericson, Kraus,
  Warden, Tenforde; BJSM 2025;59:78-90, doi 10.1136/bjsports-2024-108616) [GK: verify].
- Return to sport: the clinician's graduation decision with the return-to-sport criteria
  checked: the consensus's "return to sport".
- Stopped: a plan ended without graduation; it has no return to sport.
- Stages held and regressed: the hold and regress decisions on the plan.
- Flags by rule: the warning-sign flags of the episode, counted by rule.
- PROM scores at each gate: no questionnaire is recorded at stage gates yet; the field stays
  empty until one is.
- Same-site recurrence: a new bone stress injury of the same patient at the same site (and side,
  unless either is bilateral) diagnosed within 12 months (365 days) of the earlier one's return
  to sport, or of its diagnosis when it had none. The IOC consensus on recording injuries
  (Bahr et al., BJSM 2020;54:372, STROBE-SIIS) defines a recurrence as an injury of the same
  location and type after the athlete's return to full participation; the 12-month window is a
  product default [PD]. The new injury is linked to the
  earlier one (`recurrence_of`).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from checkins.models import CheckIn, Flag
from patients import bsi
from patients.models import Injury
from protocols.models import DecisionKind, Plan, PlanStatus, StageDecision

if TYPE_CHECKING:
    from rtr.accounts.models import Clinic

RECURRENCE_WINDOW = timedelta(days=365)


@dataclass
class Episode:
    """One injury and what followed it."""

    injury_id: int
    patient_id: int
    site: str
    side: str
    risk: str
    diagnosed_on: date
    age_at_diagnosis: int
    sex: str
    sport: str
    grade: str
    status: str = "ongoing"  # graduated, stopped, ongoing (no plan yet, or still on it)
    protocol: str = ""
    protocol_version: int | None = None
    first_run_on: date | None = None
    full_training_on: date | None = None
    returned_on: date | None = None
    ended_on: date | None = None
    holds: int = 0
    regressions: int = 0
    flags_by_rule: dict[str, int] = field(default_factory=dict)
    prom_scores: list[dict[str, Any]] = field(default_factory=list)
    recurrence_of: int | None = None  # the earlier injury at this site
    recurred_by: int | None = None  # the later one

    def days(self, day: date | None) -> int | None:
        return (day - self.diagnosed_on).days if day is not None else None

    @property
    def days_to_first_run(self) -> int | None:
        return self.days(self.first_run_on)

    @property
    def days_to_full_training(self) -> int | None:
        return self.days(self.full_training_on)

    @property
    def days_to_return(self) -> int | None:
        return self.days(self.returned_on)

    @property
    def has_ended(self) -> bool:
        return self.status in ("graduated", "stopped")


def episodes(clinic: Clinic) -> list[Episode]:
    """Every injury of the clinic's patients with its outcomes (a few queries, in memory)."""
    injuries = list(
        Injury.objects.filter(patient__clinic=clinic)
        .select_related("patient")
        .order_by("patient_id", "diagnosed_on", "pk")
    )
    plans_by_patient: dict[int, list[Plan]] = defaultdict(list)
    for plan in (
        Plan.objects.filter(patient__clinic=clinic)
        .exclude(status=PlanStatus.DRAFT)
        .select_related("source_template", "content")
        .order_by("start_date", "pk")
    ):
        plans_by_patient[plan.patient_id].append(plan)
    decisions: dict[int, list[StageDecision]] = defaultdict(list)
    for decision in (
        StageDecision.objects.filter(plan__patient__clinic=clinic)
        .select_related("to_stage")
        .order_by("decided_at", "pk")
    ):
        decisions[decision.plan_id].append(decision)
    last_stage_order = {
        plan.pk: max((s.order for s in plan.content.stages.all()), default=0)
        for plans in plans_by_patient.values()
        for plan in plans
    }
    runs: dict[int, list[date]] = defaultdict(list)
    for patient_id, day in (
        CheckIn.objects.filter(patient__clinic=clinic, run_minutes__gt=0)
        .order_by("date")
        .values_list("patient_id", "date")
    ):
        runs[patient_id].append(day)
    flags: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for patient_id, rule, day in Flag.objects.filter(clinic=clinic).values_list(
        "patient_id", "rule_code", "first_seen_date"
    ):
        flags[patient_id].append((rule, day))

    by_patient: dict[int, list[Episode]] = defaultdict(list)
    result = []
    for injury in injuries:
        patient = injury.patient
        episode = Episode(
            injury_id=injury.pk,
            patient_id=patient.pk,
            site=injury.site,
            side=injury.side,
            risk=injury.risk_category,
            diagnosed_on=injury.diagnosed_on,
            age_at_diagnosis=patient.age_on(injury.diagnosed_on),
            sex=patient.sex,
            sport=patient.sport,
            grade=injury.fredericson_grade or injury.arendt_grade or injury.kaeding_miller_grade,
        )
        by_patient[patient.pk].append(episode)
        result.append(episode)
    for patient_id, items in by_patient.items():
        for n, episode in enumerate(items):
            until = items[n + 1].diagnosed_on if n + 1 < len(items) else date.max
            _fill(
                episode,
                until,
                plans_by_patient[patient_id],
                decisions,
                last_stage_order,
                runs[patient_id],
                flags[patient_id],
                DecisionKind,
                PlanStatus,
            )
        _link_recurrences(items)
    return result


def _fill(
    episode: Episode,
    until: date,
    plans: list[Any],
    decisions: dict[int, list[Any]],
    last_stage_order: dict[int, int],
    runs: list[date],
    flags: list[tuple[str, date]],
    kinds: Any,
    statuses: Any,
) -> None:
    """The episode's plan is the last one started between its diagnosis and the next injury."""
    mine = [p for p in plans if episode.diagnosed_on <= p.start_date < until]
    end = until
    if mine:
        plan = mine[-1]
        episode.protocol = plan.source_template.name
        episode.protocol_version = plan.source_template.version
        for plan_ in mine:
            for decision in decisions[plan_.pk]:
                if decision.kind == kinds.HOLD:
                    episode.holds += 1
                elif decision.kind == kinds.REGRESS:
                    episode.regressions += 1
        for decision in decisions[plan.pk]:
            day = decision.decided_at.date()
            if (
                decision.kind in (kinds.ADVANCE, kinds.START)
                and decision.to_stage is not None
                and decision.to_stage.order == last_stage_order.get(plan.pk)
                and episode.full_training_on is None
            ):
                episode.full_training_on = day
            if decision.kind == kinds.GRADUATE:
                episode.status, episode.returned_on, episode.ended_on = "graduated", day, day
                end = min(end, day + timedelta(days=1))
            elif decision.kind == kinds.STOP:
                episode.status, episode.ended_on = "stopped", day
                end = min(end, day + timedelta(days=1))
        if plan.status == statuses.STOPPED and episode.status == "ongoing":
            episode.status = "stopped"
    episode.first_run_on = next((d for d in runs if episode.diagnosed_on <= d < end), None)
    episode.flags_by_rule = dict(
        sorted(Counter(r for r, d in flags if episode.diagnosed_on <= d < end).items())
    )


def _same_site(a: Episode, b: Episode) -> bool:
    return a.site == b.site and (a.side == b.side or "bilateral" in (a.side, b.side))


def _link_recurrences(items: list[Episode]) -> None:
    for n, later in enumerate(items):
        for earlier in reversed(items[:n]):
            since = earlier.returned_on or earlier.diagnosed_on
            if (
                _same_site(earlier, later)
                and since <= later.diagnosed_on <= since + RECURRENCE_WINDOW
            ):
                later.recurrence_of = earlier.injury_id
                earlier.recurred_by = later.injury_id
                break


# --- The clinic's figures ------------------------------------------------------------------------


@dataclass
class Spread:
    n: int
    median: float | None
    q1: float | None
    q3: float | None


def spread(values: list[int]) -> Spread:
    """Median and interquartile range (quartiles by the inclusive method)."""
    if not values:
        return Spread(0, None, None, None)
    ordered = sorted(values)
    if len(ordered) == 1:
        return Spread(1, float(ordered[0]), float(ordered[0]), float(ordered[0]))
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(len(ordered), median, q1, q3)


@dataclass
class SiteRow:
    site: str
    site_label: str
    risk: str
    risk_label: str
    injuries: int
    ended: int
    graduated: int
    stopped: int
    to_first_run: Spread
    to_return: Spread
    expected: bsi.ExpectedReturn
    expected_is_site_specific: bool
    recurrences: int

    @property
    def reinjury_rate(self) -> float | None:
        return round(100 * self.recurrences / self.ended, 1) if self.ended else None

    @property
    def within_expected(self) -> bool | None:
        e = self.expected
        if self.to_return.median is None or e.low is None or e.high is None:
            return None
        return e.low <= self.to_return.median <= e.high


def clinic_outcomes(clinic: Clinic) -> tuple[list[SiteRow], list[Episode]]:
    items = episodes(clinic)
    groups: dict[tuple[str, str], list[Episode]] = defaultdict(list)
    for episode in items:
        groups[(episode.site, episode.risk)].append(episode)
    rows = []
    for (site, risk), group in sorted(groups.items()):
        expected, specific = bsi.expected_return(site)
        rows.append(
            SiteRow(
                site=site,
                site_label=str(bsi.Site(site).label) if site in bsi.Site.values else site,
                risk=risk,
                risk_label=str(bsi.RiskCategory(risk).label),
                injuries=len(group),
                ended=sum(1 for e in group if e.has_ended),
                graduated=sum(1 for e in group if e.status == "graduated"),
                stopped=sum(1 for e in group if e.status == "stopped"),
                to_first_run=spread([d for e in group if (d := e.days_to_first_run) is not None]),
                to_return=spread([d for e in group if (d := e.days_to_return) is not None]),
                expected=expected,
                expected_is_site_specific=specific,
                recurrences=sum(1 for e in group if e.has_ended and e.recurred_by is not None),
            )
        )
    return rows, items


def chart_data(rows: list[SiteRow]) -> list[dict[str, Any]]:
    """What the page's charts draw, one chart per site and risk (passed with json_script)."""
    charts = []
    for n, row in enumerate(rows):
        spread_ = row.to_return
        if not spread_.n:
            continue  # a chart only where patients have returned to sport
        charts.append(
            {
                "id": f"outcome-chart-{n}",
                "title": f"{row.site_label} ({row.risk_label})",
                "clinic": [spread_.q1, spread_.q3] if spread_.n else None,
                "median": spread_.median,
                "expected": [row.expected.low, row.expected.high],
                "expected_mean": row.expected.days,
            }
        )
    return charts
