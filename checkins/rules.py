"""Warning-sign rules: pure functions over a patient's recent check-ins (design.md §4).

Each rule has a code, a version, a default severity, thresholds with safe bounds (from the
one registry, `thresholds.py`; a clinic lead may change them within the bounds, see
settings), a plain-language explanation and its sources in `domain.md`. A rule looks at a history of check-ins and returns a finding for
every day it fires, with the evidence (dates and values). Deduplication into flags (one open
flag per patient and rule) is the evaluation service's job, not the rules'.

Streaks ("3 consecutive check-ins") run over check-ins at most `MAX_GAP_DAYS` apart: one
missed day does not reset a streak (a missed check-in must not hide a warning sign), two
or more do. Rules comparing with a personal baseline wait for a minimum of data. An answer
not reported (None) is missing data, never a value. Each finding is dated on the day whose
check-in (or whose absence) makes the rule fire, and depends only on that day and the days
before it, so a check-in evaluated late is judged as it would have been on time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import thresholds

INFO, LOW, HIGH, URGENT = "info", "low", "high", "urgent"
SEVERITY_ORDER = {INFO: 0, LOW: 1, HIGH: 2, URGENT: 3}
MAX_GAP_DAYS = 2  # check-ins this many days apart still make a streak (one missed day between)
SWELLING_LEVEL = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}


@dataclass(frozen=True)
class Day:
    """What the rules read from one check-in (a plain snapshot: no database)."""

    date: date
    pain_rest: int = 0
    pain_during: int | None = None
    pain_after: int | None = None
    pain_next_morning: int = 0
    focal_tenderness: str = "none"
    swelling: str = "none"
    night_pain: bool = False
    pain_with_walking: bool = False
    groin_pain: bool = False
    session_done: str = "rest_day"
    run_minutes: int = 0
    # Subjective answers: None is "not reported" (missing data, never a value: no sleep
    # reported is not poor sleep).
    sleep_hours: Decimal | float | None = 8
    fatigue: int | None = 0
    fuelling_adequate: bool | None = True
    menstrual_status: str = ""
    confidence: int | None = 10
    # The day's prescription as the athlete saw it (snapshotted with the check-in): its kind
    # (session / strength / cross_training / rest / paused / not_started / finished / none;
    # "" when unknown) and the running minutes it prescribed (None: no session step).
    prescribed_kind: str = ""
    prescribed_run_minutes: Decimal | float | None = None


@dataclass(frozen=True)
class Context:
    """The patient facts a rule may need besides the check-ins."""

    as_of: date
    adolescent: bool = False  # under 18: sleep target 8 h [F:58]
    hip_history: bool = False  # femoral neck or pelvis injury, now or before
    plan_active: bool = True
    plan_start: date | None = None
    weekly_run_cap: int | None = None  # the current stage's cap, minutes
    stage_started_on: date | None = None  # the current stage's first day
    running_stage: bool = False  # the current stage prescribes running (a step with run minutes)
    # No prescription to judge runs against: no plan, or the plan has graduated (free running).
    unrestricted_running: bool = False


@dataclass(frozen=True)
class Finding:
    rule: str
    day: date  # the check-in date (or missed day) that made the rule fire
    severity: str
    summary: str
    evidence: list[dict[str, Any]]


@dataclass(frozen=True)
class Param:
    default: float
    low: float
    high: float
    unit: str
    label: str


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    title: str
    severity: str
    explanation: str
    source: str
    params: dict[str, Param]
    check: Callable[[Sequence[Day], Context, dict[str, float]], list[Finding]]
    baseline: str = ""  # the minimum of data a personal comparison waits for
    time_based: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)


def _ev(day: Day, **values: Any) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        **{k: (float(v) if isinstance(v, Decimal) else v) for k, v in values.items()},
    }


def streaks(days: Sequence[Day], hit: Callable[[Day], bool]) -> list[list[Day]]:
    """Runs of consecutive check-ins (at most MAX_GAP_DAYS apart) for which `hit` holds."""
    runs: list[list[Day]] = []
    current: list[Day] = []
    for day in days:
        if hit(day) and (not current or (day.date - current[-1].date).days <= MAX_GAP_DAYS):
            current.append(day)
        elif hit(day):
            runs.append(current)
            current = [day]
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [r for r in runs if r]


def _ran(day: Day) -> bool:
    return day.session_done in {"as_prescribed", "modified"}


# --- The rules ---------------------------------------------------------------------------------


def new_focal_tenderness(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Tenderness reported "new"; or "same" again after `quiet_days` or more days without any
    (counted from the last tender day, or from the first check-in if none was tender)."""
    found = []
    last_tender: date | None = None
    for index, day in enumerate(days):
        if day.focal_tenderness == "new":
            found.append(
                Finding(
                    "new_focal_tenderness",
                    day.date,
                    HIGH,
                    str(_("New focal bony tenderness reported.")),
                    [_ev(day, focal_tenderness="new")],
                )
            )
        elif day.focal_tenderness == "same" and index > 0:
            without = (
                (day.date - last_tender).days - 1 if last_tender else (day.date - days[0].date).days
            )
            if without >= p["quiet_days"]:
                found.append(
                    Finding(
                        "new_focal_tenderness",
                        day.date,
                        HIGH,
                        str(
                            _("Focal tenderness is back after %(n)s days without.") % {"n": without}
                        ),
                        [_ev(day, focal_tenderness="same", days_without=without)],
                    )
                )
        if day.focal_tenderness != "none":
            last_tender = day.date
    return found


def night_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    for day in days:
        if day.night_pain or day.pain_rest >= p["rest_pain"]:
            found.append(
                Finding(
                    "night_pain",
                    day.date,
                    URGENT,
                    str(_("Night pain or pain at rest.")),
                    [_ev(day, night_pain=day.night_pain, pain_rest=day.pain_rest)],
                )
            )
    return found


def pain_with_walking(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    return [
        Finding(
            "pain_with_walking",
            d.date,
            HIGH,
            str(_("Pain with walking or daily activities.")),
            [_ev(d, pain_with_walking=True)],
        )
        for d in days
        if d.pain_with_walking
    ]


def run_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    for day in days:
        worst = max(day.pain_during or 0, day.pain_after or 0)
        if _ran(day) and worst > p["limit"]:
            severity = HIGH if worst >= p["high_at"] else LOW
            found.append(
                Finding(
                    "run_pain",
                    day.date,
                    severity,
                    str(_("Pain %(n)s/10 during or after the session.") % {"n": worst}),
                    [_ev(day, pain_during=day.pain_during, pain_after=day.pain_after)],
                )
            )
    return found


def next_morning_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Next-morning pain up by `rise` on the latest earlier report, or at least `persist` on
    both, the earlier report being at most `baseline_days` before. Compared with the latest
    report rather than the calendar day before, so a missed check-in does not hide a rise
    (0, no check-in, 6 is a rise); an older report is no longer a baseline."""
    found = []
    reported = [d for d in days if d.pain_next_morning is not None]
    for before, day in itertools.pairwise(reported):
        if (day.date - before.date).days > p["baseline_days"]:
            continue  # no recent baseline to compare with
        rose = day.pain_next_morning - before.pain_next_morning >= p["rise"]
        lasted = before.pain_next_morning >= p["persist"] and day.pain_next_morning >= p["persist"]
        if rose or lasted:
            found.append(
                Finding(
                    "next_morning_pain",
                    day.date,
                    LOW,
                    str(_("Next-morning pain rose or lasted over a day.")),
                    [
                        _ev(before, pain_next_morning=before.pain_next_morning),
                        _ev(day, pain_next_morning=day.pain_next_morning),
                    ],
                )
            )
    return found


def persistent_focal_tenderness(
    days: Sequence[Day], ctx: Context, p: dict[str, float]
) -> list[Finding]:
    """Focal tenderness reported on `count` or more check-ins within `window` days while the
    plan is in a running stage. Absent focal tenderness is an entry criterion of running
    (domain.md §3.1 [F:22]); tenderness that never clears while running is the hallmark sign
    of a bone stress injury still active (§4 [F:3][F:33]): stop running and examine, within
    24-48 h, hence high. "Same" every day never counts as new, so without this rule it was
    never flagged. Only check-ins since the running stage started count."""
    if not ctx.running_stage:
        return []
    need, span = int(p["count"]), int(p["window"])
    tender = [
        d
        for d in days
        if d.focal_tenderness in {"same", "new"}
        and (ctx.stage_started_on is None or d.date >= ctx.stage_started_on)
    ]
    found = []
    for day in tender:
        window = [d for d in tender if day.date - timedelta(days=span - 1) <= d.date <= day.date]
        if len(window) >= need:
            found.append(
                Finding(
                    "persistent_focal_tenderness",
                    day.date,
                    HIGH,
                    str(
                        _("Focal tenderness on %(n)s check-ins in %(w)s days while running.")
                        % {"n": len(window), "w": span}
                    ),
                    [_ev(d, focal_tenderness=d.focal_tenderness) for d in window],
                )
            )
    return found


def persistent_swelling(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    found = []
    need = int(p["streak"])
    for run in streaks(days, lambda d: SWELLING_LEVEL[d.swelling] >= 1):
        for end in range(need - 1, len(run)):
            window = run[end - need + 1 : end + 1]
            severity = HIGH if any(SWELLING_LEVEL[d.swelling] >= 2 for d in window) else LOW
            found.append(
                Finding(
                    "persistent_swelling",
                    window[-1].date,
                    severity,
                    str(_("Swelling on %(n)s check-ins in a row.") % {"n": need}),
                    [_ev(d, swelling=d.swelling) for d in window],
                )
            )
    return found


def groin_pain(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    note = _("Groin or anterior hip pain") + (
        str(_(" with a femoral-neck or pelvis history.")) if ctx.hip_history else "."
    )
    return [
        Finding(
            "groin_pain",
            d.date,
            URGENT,
            str(note),
            [_ev(d, groin_pain=True, hip_history=ctx.hip_history)],
        )
        for d in days
        if d.groin_pain
    ]


RUN_PRESCRIBED = "session"
NO_RUNNING_KINDS = frozenset(
    {"strength", "cross_training", "rest", "paused", "not_started"}
)  # days whose prescription has no running at all
UNRESTRICTED_KINDS = frozenset({"finished", "none"})  # no prescription: running freely


def _prescribed_run(day: Day) -> float | None:
    """Running minutes the day prescribed: a number (0 on a walking session), or None when the
    day has no comparable prescription (unknown, or running freely)."""
    if day.prescribed_kind == RUN_PRESCRIBED:
        return float(day.prescribed_run_minutes or 0)
    if day.prescribed_kind in NO_RUNNING_KINDS:
        return 0.0
    return None


def _unrestricted(day: Day, ctx: Context) -> bool:
    if day.prescribed_kind in UNRESTRICTED_KINDS:
        return True
    return day.prescribed_kind == "" and ctx.unrestricted_running


def load_spike(days: Sequence[Day], ctx: Context, p: dict[str, float]) -> list[Finding]:
    """Running load judged against the plan: a run longer than the day's prescription by more
    than `tolerance_pct` (the clinic's tolerance), any run on a day with no running prescribed
    (rest, strength, cross-training, a walking session, a paused plan), or running minutes in
    the last 7 days over the current stage's weekly cap.

    Why against the prescription: every step of a return-to-running plan lengthens the run by
    more than 10 % (walk-run 5 -> 6 -> 10 min, continuous 15 -> 20 -> 25 min), so the
    free-running spike rule would flag an athlete doing exactly what the physio prescribed,
    for weeks, and a real spike would then be merged into that stale flag unseen. The single-
    run rule was measured on healthy runners training freely (BJSM 2025 [F:42], domain.md
    §5.2); in a plan the prescription is the planned load, and a deviation from it is the
    spike. So the free-running rules (a run more than `single_pct` longer than the longest of
    the last 30 days [F:42]; two weeks' volume up more than `two_week_pct` on the two before
    [F:44]) apply only to days run without a prescription: no plan, or a graduated plan.
    Their comparisons wait for `min_runs` earlier runs / 28 days of data.
    """
    found = []
    runs = [d for d in days if d.run_minutes > 0]
    tolerance = 1 + p["tolerance_pct"] / 100
    for day in runs:
        prescribed = _prescribed_run(day)
        if prescribed is None:
            continue
        if prescribed == 0:
            found.append(
                Finding(
                    "load_spike",
                    day.date,
                    LOW,
                    str(
                        _("Ran %(n)s min on a day with no running prescribed.")
                        % {"n": day.run_minutes}
                    ),
                    [_ev(day, run_minutes=day.run_minutes, prescribed_run_minutes=0)],
                )
            )
        elif day.run_minutes > prescribed * tolerance:
            found.append(
                Finding(
                    "load_spike",
                    day.date,
                    LOW,
                    str(
                        _("Ran %(n)s min, more than %(pct)s%% over the %(m)s min prescribed.")
                        % {
                            "n": day.run_minutes,
                            "pct": _fmt(p["tolerance_pct"]),
                            "m": _fmt(prescribed),
                        }
                    ),
                    [_ev(day, run_minutes=day.run_minutes, prescribed_run_minutes=prescribed)],
                )
            )
    for day in (d for d in runs if _unrestricted(d, ctx)):
        earlier = [d for d in runs if day.date - timedelta(days=30) <= d.date < day.date]
        if len(earlier) >= p["min_runs"]:
            longest = max(d.run_minutes for d in earlier)
            if day.run_minutes > longest * (1 + p["single_pct"] / 100):
                found.append(
                    Finding(
                        "load_spike",
                        day.date,
                        LOW,
                        str(
                            _(
                                "Run of %(n)s min, more than %(pct)s%% over the longest of the last 30 days (%(m)s min)."
                            )
                            % {"n": day.run_minutes, "pct": int(p["single_pct"]), "m": longest}
                        ),
                        [_ev(day, run_minutes=day.run_minutes, longest_30_days=longest)],
                    )
                )
        if not days or (day.date - days[0].date).days < 27:
            continue  # the two-week comparison needs four weeks of data
        end = day.date
        recent = sum(d.run_minutes for d in runs if end - timedelta(days=13) <= d.date <= end)
        before = sum(
            d.run_minutes
            for d in runs
            if end - timedelta(days=27) <= d.date < end - timedelta(days=13)
        )
        if before > 0 and recent > before * (1 + p["two_week_pct"] / 100):
            found.append(
                Finding(
                    "load_spike",
                    end,
                    LOW,
                    str(
                        _("Two weeks' running up %(pct)s%% on the two before.")
                        % {"pct": round(100 * (recent - before) / before)}
                    ),
                    [{"date": end.isoformat(), "last_14_days": recent, "previous_14_days": before}],
                )
            )
    if ctx.weekly_run_cap:
        # The current stage's cap, over its own days: a regression to a stage with a lower cap
        # does not count the week run in the stage before.
        in_stage = [
            d for d in runs if ctx.stage_started_on is None or d.date >= ctx.stage_started_on
        ]
        for day in in_stage:
            week = sum(
                d.run_minutes
                for d in in_stage
                if day.date - timedelta(days=6) <= d.date <= day.date
            )
            if week > ctx.weekly_run_cap:
                found.append(
                    Finding(
                        "load_spike",
                        day.date,
                        LOW,
                        str(
                            _("%(n)s min of running in 7 days, over the stage's cap of %(cap)s.")
                            % {"n": week, "cap": ctx.weekly_run_cap}
                        ),
                        [
                            {
                                "date": day.date.isoformat(),
                                "last_7_days": week,
                                "cap": ctx.weekly_run_cap,
                            }
                        ],
                    )
                )
    return found


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
                    [_ev(d, sleep_hours=d.sleep_hours) for d in short],
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
                    [_ev(d, fatigue=d.fatigue) for d in tired],
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
                    [_ev(day, menstrual_status="missed")],
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
                    [_ev(d, fuelling_adequate=False) for d in under],
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
                    [_ev(d, confidence=d.confidence) for d in window],
                )
            )
    return found


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


def _params(code: str) -> dict[str, Param]:
    """A rule's thresholds, from the one registry (checkins/thresholds.py)."""
    return {
        t.name: Param(float(t.default), float(t.low), float(t.high), t.unit, str(_(t.label)))
        for t in thresholds.of_rule(code)
    }


RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "new_focal_tenderness",
            1,
            str(_("New focal tenderness")),
            HIGH,
            str(
                _(
                    "Focal bony tenderness is the hallmark finding of a bone stress injury: a new tender spot, or tenderness back after a quiet spell, needs a clinical examination and often imaging."
                )
            ),
            "domain.md §4 [F:3][F:33]; §3.1 [F:22]",
            _params("new_focal_tenderness"),
            new_focal_tenderness,
        ),
        Rule(
            "night_pain",
            1,
            str(_("Night pain or pain at rest")),
            URGENT,
            str(
                _(
                    "Pain at night or at rest suggests progression along the stress-injury continuum: stop all impact and review this week."
                )
            ),
            "domain.md §4 [F:32][F:34]",
            _params("night_pain"),
            night_pain,
        ),
        Rule(
            "pain_with_walking",
            1,
            str(_("Pain with walking")),
            HIGH,
            str(
                _(
                    "Pain with normal walking means loading exceeds capacity and fails the running entry criterion: back to the protection stage."
                )
            ),
            "domain.md §4 [F:22][F:32]",
            _params("pain_with_walking"),
            pain_with_walking,
        ),
        Rule(
            "run_pain",
            1,
            str(_("Pain during or after running")),
            LOW,
            str(
                _(
                    "Bone is treated conservatively: site pain above 2/10 during a run means stop and repeat the stage; 5/10 or more needs review."
                )
            ),
            "domain.md §3.4 [F:25][F:26]",
            _params("run_pain"),
            run_pain,
        ),
        Rule(
            "next_morning_pain",
            2,
            str(_("Next-morning pain")),
            LOW,
            str(
                _(
                    "Pain that rises the next morning or lasts beyond 24 hours means the load was not tolerated: hold and skip the next run."
                )
            ),
            "domain.md §3.4 [F:28][F:26]; §4 [F:24]",
            _params("next_morning_pain"),
            next_morning_pain,
            baseline=str(_("needs an earlier report within the last few days")),
        ),
        Rule(
            "persistent_focal_tenderness",
            1,
            str(_("Focal tenderness that does not clear")),
            HIGH,
            str(
                _(
                    "Running starts only once focal bony tenderness has gone; tenderness reported again and again while running means the bone is still reacting: stop running and examine within 24-48 hours."
                )
            ),
            "domain.md §3.1 [F:22]; §4 [F:3][F:33]",
            _params("persistent_focal_tenderness"),
            persistent_focal_tenderness,
        ),
        Rule(
            "persistent_swelling",
            1,
            str(_("Persistent swelling")),
            LOW,
            str(
                _(
                    "Local swelling is a recognised bone stress injury sign: hold, and review if it persists."
                )
            ),
            "domain.md §4 [F:33]; >48 h [PD]",
            _params("persistent_swelling"),
            persistent_swelling,
        ),
        Rule(
            "groin_pain",
            1,
            str(_("Groin or anterior hip pain")),
            URGENT,
            str(
                _(
                    "Groin or anterior hip pain can be a femoral-neck stress injury; tension-side injuries need urgent surgical input: same-day contact."
                )
            ),
            "domain.md §4 [F:3][F:15]",
            _params("groin_pain"),
            groin_pain,
        ),
        Rule(
            "load_spike",
            2,
            str(_("Load spike")),
            LOW,
            str(
                _(
                    "Judged against the plan: a run longer than the day's prescription (beyond the clinic's tolerance), any run on a day with no running prescribed, or a week over the stage's cap. Once running is unrestricted, a run much longer than the longest of the last 30 days, or a sharp two-week rise, raises overuse-injury risk."
                )
            ),
            "domain.md §5.2–5.5 [F:42][F:44]; against the prescription [PD]",
            _params("load_spike"),
            load_spike,
            baseline=str(
                _(
                    "unrestricted running only: waits for earlier runs in the last 30 days, and 28 days of data for the two-week comparison"
                )
            ),
        ),
        Rule(
            "poor_sleep",
            1,
            str(_("Poor sleep")),
            INFO,
            str(
                _(
                    "Short sleep is linked with more injuries in adolescent athletes (1.7× under 8 h) and slows recovery."
                )
            ),
            "domain.md §7 [F:58][F:59]",
            _params("poor_sleep"),
            poor_sleep,
        ),
        Rule(
            "high_fatigue",
            1,
            str(_("High fatigue")),
            LOW,
            str(_("Disproportionate fatigue can signal overload or low energy availability.")),
            "domain.md §4 [F:18][F:13]",
            _params("high_fatigue"),
            high_fatigue,
        ),
        Rule(
            "low_energy_signs",
            1,
            str(_("Low energy availability signs")),
            LOW,
            str(
                _(
                    "Missed periods or under-fuelling point to low energy availability (REDs): screen and consider a dietitian."
                )
            ),
            "domain.md §4, §6 [F:18][F:13][F:51]",
            _params("low_energy_signs"),
            low_energy_signs,
        ),
        Rule(
            "low_confidence",
            1,
            str(_("Low confidence")),
            INFO,
            str(
                _(
                    "Low confidence to run over several days may need reassurance or a slower progression."
                )
            ),
            "domain.md §8 [F:60][F:62]",
            _params("low_confidence"),
            low_confidence,
        ),
        Rule(
            "missed_checkins",
            2,
            str(_("Missed check-ins")),
            INFO,
            str(_("Without check-ins the plan is not monitored.")),
            "domain.md §4 [PD]",
            _params("missed_checkins"),
            missed_checkins,
            time_based=True,
        ),
    ]
}


def defaults(rule: Rule) -> dict[str, float]:
    return {name: param.default for name, param in rule.params.items()}


def check_bounds(rule: Rule, values: dict[str, float]) -> dict[str, str]:
    """Errors for values outside a rule's safe bounds (empty when all are fine)."""
    errors = {}
    for name, param in rule.params.items():
        value = values.get(name, param.default)
        if not param.low <= value <= param.high:
            errors[name] = str(
                _("%(label)s must be between %(low)s and %(high)s %(unit)s.")
                % {
                    "label": param.label,
                    "low": _fmt(param.low),
                    "high": _fmt(param.high),
                    "unit": param.unit,
                }
            )
    return errors


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def evaluate(
    days: Sequence[Day],
    ctx: Context,
    settings: dict[str, tuple[bool, dict[str, float]]] | None = None,
) -> list[Finding]:
    """Every enabled rule over the history; `settings` maps code -> (enabled, params)."""
    findings: list[Finding] = []
    ordered = sorted(days, key=lambda d: d.date)
    for code, rule in RULES.items():
        enabled, params = (settings or {}).get(code, (True, defaults(rule)))
        if enabled:
            findings.extend(rule.check(ordered, ctx, {**defaults(rule), **params}))
    return findings
