"""Female Athlete Triad Cumulative Risk Assessment (De Souza et al. 2014) [F:13], clearance [F:49].

Each of six factors scores 0 (low), 1 (moderate) or 2 (high risk); the total gives the
clearance category. The two menstrual factors may be left out for male athletes (they then
count 0). A categorical restriction (anorexia nervosa with BMI < 16 kg/m², or moderate to
severe bulimia) restricts whatever the total [F:49]. Source: `domain.md` §6.1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Clearance(models.TextChoices):
    FULL = "full", _("Full clearance (low risk)")
    PROVISIONAL = "provisional", _("Provisional or limited clearance (moderate risk)")
    RESTRICTED = "restricted", _("Restricted from training and competition (high risk)")


@dataclass(frozen=True)
class Factor:
    field: str
    label: str | Promise
    levels: tuple[str | Promise, str | Promise, str | Promise]  # what scores 0, 1 and 2
    menstrual: bool = False


FACTORS: tuple[Factor, ...] = (
    Factor(
        "low_energy_availability",
        _("Low energy availability with or without disordered eating"),
        (
            _("No dietary restriction"),
            _("Some restriction; current or past disordered eating"),
            _("Meets DSM-5 criteria for an eating disorder"),
        ),
    ),
    Factor(
        "low_bmi",
        _("Low BMI"),
        (
            _("BMI ≥ 18.5, ≥ 90% expected weight, or weight stable"),
            _("BMI 17.5 to < 18.5, < 90% expected weight, or 5 to < 10% weight loss a month"),
            _("BMI ≤ 17.5, < 85% expected weight, or ≥ 10% weight loss a month"),
        ),
    ),
    Factor(
        "delayed_menarche",
        _("Delayed menarche"),
        (_("Menarche before 15"), _("Menarche at 15 to < 16"), _("Menarche at 16 or later")),
        menstrual=True,
    ),
    Factor(
        "oligo_amenorrhoea",
        _("Oligomenorrhoea or amenorrhoea"),
        (
            _("More than 9 menses in 12 months"),
            _("6 to 9 menses in 12 months"),
            _("Fewer than 6 menses in 12 months"),
        ),
        menstrual=True,
    ),
    Factor(
        "low_bmd",
        _("Low bone mineral density"),
        (_("Z-score ≥ −1.0"), _("Z-score −1.0 to > −2.0"), _("Z-score ≤ −2.0")),
    ),
    Factor(
        "stress_reaction",
        _("Stress reaction or fracture"),
        (
            _("None"),
            _("One"),
            _(
                "Two or more, or one or more at a high-risk trabecular site (femoral neck, sacrum, pelvis)"
            ),
        ),
    ),
)

FACTOR_FIELDS = tuple(f.field for f in FACTORS)


def total_score(scores: Iterable[int | None]) -> int:
    """Sum of the factor scores; a factor left out (None) counts 0."""
    total = 0
    for score in scores:
        if score is None:
            continue
        if score not in (0, 1, 2):
            raise ValueError(f"a factor scores 0, 1 or 2, not {score!r}")
        total += score
    return total


def clearance_for(total: int, *, categorical_restriction: bool = False) -> Clearance:
    """0–1: full; 2–5: provisional or limited; ≥ 6: restricted [F:49]."""
    if total < 0 or total > 12:
        raise ValueError(f"a total is between 0 and 12, not {total}")
    if categorical_restriction or total >= 6:
        return Clearance.RESTRICTED
    if total >= 2:
        return Clearance.PROVISIONAL
    return Clearance.FULL
