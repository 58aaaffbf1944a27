"""Does a template fit an injury? The reasons it does not, in words a physio reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from patients.bsi import FredericsonGrade, KaedingMillerGrade, Site

if TYPE_CHECKING:
    from patients.models import Injury

    from .models import ProtocolTemplate

FREDERICSON_ORDER = [g.value for g in FredericsonGrade]
KAEDING_MILLER_ORDER = [g.value for g in KaedingMillerGrade]


def site_label(code: str) -> str:
    return str(Site(code).label) if code in Site.values else code


def _above(grade: str, highest: str, order: Sequence[str]) -> bool:
    """Is `grade` above the template's `highest`? Only when both are recorded can it be."""
    return bool(highest and grade and order.index(grade) > order.index(highest))


def misfit_reasons(template: ProtocolTemplate, injury: Injury | None) -> list[str]:
    """Why `template` does not fit `injury`; an empty list means it fits."""
    if injury is None:
        return [_("No injury is recorded: record the injury first so eligibility can be checked.")]
    reasons: list[str] = []
    if template.excluded_sites and injury.site in template.excluded_sites:
        reasons.append(
            _("%(site)s is excluded from this template (surgical pathway).")
            % {"site": injury.get_site_display()}
        )
    elif template.eligible_sites and injury.site not in template.eligible_sites:
        reasons.append(
            _("This template is for %(sites)s, not %(site)s.")
            % {
                "sites": ", ".join(site_label(s) for s in template.eligible_sites),
                "site": injury.get_site_display(),
            }
        )
    if template.eligible_risk and injury.risk_category != template.eligible_risk:
        reasons.append(
            _("This template is for %(wanted)s injuries; this one is %(actual)s.")
            % {
                "wanted": template.get_eligible_risk_display().lower(),
                "actual": injury.get_risk_category_display().lower(),
            }
        )
    if _above(injury.fredericson_grade, template.max_fredericson_grade, FREDERICSON_ORDER):
        reasons.append(
            _("Fredericson grade %(grade)s is above this template's highest (%(max)s).")
            % {"grade": injury.fredericson_grade, "max": template.max_fredericson_grade}
        )
    if _above(injury.kaeding_miller_grade, template.max_kaeding_miller_grade, KAEDING_MILLER_ORDER):
        reasons.append(
            _("Kaeding–Miller grade %(grade)s is above this template's highest (%(max)s).")
            % {"grade": injury.kaeding_miller_grade, "max": template.max_kaeding_miller_grade}
        )
    if template.exclude_displaced and injury.displacement_mm:
        reasons.append(_("The fracture is displaced: this template is for undisplaced injuries."))
    if (
        template.max_fracture_extent_pct is not None
        and injury.fracture_extent_pct is not None
        and injury.fracture_extent_pct > template.max_fracture_extent_pct
    ):
        reasons.append(
            _(
                "The fracture spans %(extent)s%% of the neck width (limit %(max)s%%): surgical opinion."
            )
            % {"extent": injury.fracture_extent_pct, "max": template.max_fracture_extent_pct}
        )
    return reasons
