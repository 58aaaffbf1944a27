"""Plain functions over one check-in: what it means for the plan, and its red flags.

Their limits come from the one threshold registry with the clinic's overrides
(`thresholds.for_clinic`): pass `values` when already read, else they are read for the
check-in's clinic, so a lead's override reaches the step progression and the red-flag notice
on the athlete's confirmation page as it reaches the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from checkins.warning_signs import thresholds

from .models import FocalTenderness, SessionDone, Swelling

if TYPE_CHECKING:
    from .models import CheckIn


def _values(checkin: CheckIn, values: thresholds.Values | None) -> thresholds.Values:
    if values is not None:
        return values
    return thresholds.for_clinic(checkin.patient.clinic_id if checkin.patient_id else None)


def session_outcome(checkin: CheckIn, values: thresholds.Values | None = None) -> str | None:
    """The plan's session outcome for the day (protocols' SessionOutcome), or None on a rest day.

    Done with pain above the limit during or after, or swelling after: painful (hold) [F:25][F:29].
    """
    if checkin.session_done == SessionDone.REST_DAY:
        return None
    if checkin.session_done == SessionDone.SKIPPED:
        return "skipped"
    limit = thresholds.value(_values(checkin, values), thresholds.RUN_PAIN_LIMIT)
    painful = (
        (checkin.pain_during or 0) > limit
        or (checkin.pain_after or 0) > limit
        or checkin.swelling != Swelling.NONE
    )
    if painful:
        return "painful"
    return "pain_free" if checkin.session_done == SessionDone.AS_PRESCRIBED else "modified"


def pain_lasted_overnight(
    checkin: CheckIn, previous: CheckIn | None, values: thresholds.Values | None = None
) -> bool:
    """This morning's pain rose above the day before's: yesterday's load was not tolerated [F:28]."""
    baseline = (previous.pain_next_morning or 0) if previous is not None else 0
    today = checkin.pain_next_morning or 0
    rise = thresholds.value(_values(checkin, values), thresholds.NEXT_MORNING_HOLD_RISE)
    return today > 0 and today >= baseline + rise


def red_flags(checkin: CheckIn, values: thresholds.Values | None = None) -> list[str]:
    """Answers that mean "stop and contact your physio" (domain.md §4)."""
    flags = []
    if checkin.night_pain:
        flags.append(_("pain at night"))
    rest_limit = thresholds.value(_values(checkin, values), thresholds.REST_PAIN_RED_FLAG)
    if checkin.pain_rest >= rest_limit:
        flags.append(_("pain at rest of %(n)s/10") % {"n": checkin.pain_rest})
    if checkin.pain_with_walking:
        flags.append(_("pain when walking"))
    if checkin.focal_tenderness == FocalTenderness.NEW:
        flags.append(_("a new tender spot on the bone"))
    if checkin.groin_pain:
        flags.append(_("groin or front-of-hip pain"))
    return flags


def run_pain_over_limit(checkin: CheckIn, values: thresholds.Values | None = None) -> bool:
    limit = thresholds.value(_values(checkin, values), thresholds.RUN_PAIN_LIMIT)
    return (checkin.pain_during or 0) > limit or (checkin.pain_after or 0) > limit
