"""The warning-sign rules (design.md §4): the registry `RULES` (declarative data) and `evaluate`.
The rules are pure functions over a patient's recent check-ins, one module per family
(pain.py, load.py, recovery.py, missed.py); what they read and return is in base.py.

Each rule has a code, a version, a default severity, thresholds with safe bounds (from the
one registry, `warning_signs/thresholds.py`; a clinic lead may change them within the bounds, see
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

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from checkins.warning_signs.thresholds import number_text, of_rule

from .base import HIGH, INFO, LOW, URGENT, Context, Day, Finding, Param, Rule, streaks
from .load import load_spike
from .missed import missed_checkins
from .pain import (
    groin_pain,
    new_focal_tenderness,
    next_morning_pain,
    night_pain,
    pain_with_walking,
    persistent_focal_tenderness,
    persistent_swelling,
    run_pain,
)
from .recovery import high_fatigue, low_confidence, low_energy_signs, poor_sleep

# What readers of the rules use (the rule modules themselves import from base.py).
__all__ = [
    "RULES",
    "Context",
    "Day",
    "Finding",
    "Param",
    "Rule",
    "check_bounds",
    "defaults",
    "evaluate",
    "streaks",
]


def _params(code: str) -> dict[str, Param]:
    """A rule's thresholds, from the one registry (warning_signs/thresholds.py)."""
    return {
        t.name: Param(float(t.default), float(t.low), float(t.high), t.unit, _(t.label))
        for t in of_rule(code)
    }


RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "new_focal_tenderness",
            1,
            _("New focal tenderness"),
            HIGH,
            _(
                "Focal bony tenderness is the hallmark finding of a bone stress injury: a new tender spot, or tenderness back after a quiet spell, needs a clinical examination and often imaging."
            ),
            "[F:3][F:33][F:22]",
            _params("new_focal_tenderness"),
            new_focal_tenderness,
        ),
        Rule(
            "night_pain",
            1,
            _("Night pain or pain at rest"),
            URGENT,
            _(
                "Pain at night or at rest suggests progression along the stress-injury continuum: stop all impact and review this week."
            ),
            "[F:32][F:34]",
            _params("night_pain"),
            night_pain,
        ),
        Rule(
            "pain_with_walking",
            1,
            _("Pain with walking"),
            HIGH,
            _(
                "Pain with normal walking means loading exceeds capacity and fails the running entry criterion: back to the protection stage."
            ),
            "[F:22][F:32]",
            _params("pain_with_walking"),
            pain_with_walking,
        ),
        Rule(
            "run_pain",
            1,
            _("Pain during or after running"),
            LOW,
            _(
                "Bone is treated conservatively: site pain above 2/10 during a run means stop and repeat the stage; 5/10 or more needs review."
            ),
            "[F:25][F:26]",
            _params("run_pain"),
            run_pain,
        ),
        Rule(
            "next_morning_pain",
            2,
            _("Next-morning pain"),
            LOW,
            _(
                "Pain that rises the next morning or lasts beyond 24 hours means the load was not tolerated: hold and skip the next run."
            ),
            "[F:28][F:26][F:24]",
            _params("next_morning_pain"),
            next_morning_pain,
            lazy_baseline=_("needs an earlier report within the last few days"),
        ),
        Rule(
            "persistent_focal_tenderness",
            1,
            _("Focal tenderness that does not clear"),
            HIGH,
            _(
                "Running starts only once focal bony tenderness has gone; tenderness reported again and again while running means the bone is still reacting: stop running and examine within 24-48 hours."
            ),
            "[F:22][F:3][F:33]",
            _params("persistent_focal_tenderness"),
            persistent_focal_tenderness,
        ),
        Rule(
            "persistent_swelling",
            1,
            _("Persistent swelling"),
            LOW,
            _(
                "Local swelling is a recognised bone stress injury sign: hold, and review if it persists."
            ),
            "[F:33]; >48 h [PD]",
            _params("persistent_swelling"),
            persistent_swelling,
        ),
        Rule(
            "groin_pain",
            1,
            _("Groin or anterior hip pain"),
            URGENT,
            _(
                "Groin or anterior hip pain can be a femoral-neck stress injury; tension-side injuries need urgent surgical input: same-day contact."
            ),
            "[F:3][F:15]",
            _params("groin_pain"),
            groin_pain,
        ),
        Rule(
            "load_spike",
            2,
            _("Load spike"),
            LOW,
            _(
                "Judged against the plan: a run longer than the day's prescription (beyond the clinic's tolerance), any run on a day with no running prescribed, or a week over the stage's cap. Once running is unrestricted, a run much longer than the longest of the last 30 days, or a sharp two-week rise, raises overuse-injury risk."
            ),
            "[F:42][F:44]; against the prescription [PD]",
            _params("load_spike"),
            load_spike,
            lazy_baseline=_(
                "unrestricted running only: waits for earlier runs in the last 30 days, and 28 days of data for the two-week comparison"
            ),
        ),
        Rule(
            "poor_sleep",
            1,
            _("Poor sleep"),
            INFO,
            _(
                "Short sleep is linked with more injuries in adolescent athletes (1.7× under 8 h) and slows recovery."
            ),
            "[F:58][F:59]",
            _params("poor_sleep"),
            poor_sleep,
        ),
        Rule(
            "high_fatigue",
            1,
            _("High fatigue"),
            LOW,
            _("Disproportionate fatigue can signal overload or low energy availability."),
            "[F:18][F:13]",
            _params("high_fatigue"),
            high_fatigue,
        ),
        Rule(
            "low_energy_signs",
            1,
            _("Low energy availability signs"),
            LOW,
            _(
                "Missed periods or under-fuelling point to low energy availability (REDs): screen and consider a dietitian."
            ),
            "[F:18][F:13][F:51]",
            _params("low_energy_signs"),
            low_energy_signs,
        ),
        Rule(
            "low_confidence",
            1,
            _("Low confidence"),
            INFO,
            _(
                "Low confidence to run over several days may need reassurance or a slower progression."
            ),
            "[F:60][F:62]",
            _params("low_confidence"),
            low_confidence,
        ),
        Rule(
            "missed_checkins",
            2,
            _("Missed check-ins"),
            INFO,
            _("Without check-ins the plan is not monitored."),
            "[PD]",
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
                    "low": number_text(param.low),
                    "high": number_text(param.high),
                    "unit": param.unit,
                }
            )
    return errors


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
