"""Plain functions over one check-in: what it means for the plan, and its red flags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from . import thresholds
from .models import FocalTenderness, SessionDone, Swelling

if TYPE_CHECKING:
    from .models import CheckIn


def session_outcome(checkin: CheckIn) -> str | None:
    """The plan's session outcome for the day (protocols' SessionOutcome), or None on a rest day.

    Done with pain above the limit during or after, or swelling after: painful (hold) [F:25][F:29].
    """
    if checkin.session_done == SessionDone.REST_DAY:
        return None
    if checkin.session_done == SessionDone.SKIPPED:
        return "skipped"
    limit = thresholds.RUN_PAIN_LIMIT.value
    painful = (
        (checkin.pain_during or 0) > limit
        or (checkin.pain_after or 0) > limit
        or checkin.swelling != Swelling.NONE
    )
    if painful:
        return "painful"
    return "pain_free" if checkin.session_done == SessionDone.AS_PRESCRIBED else "modified"


def pain_lasted_overnight(checkin: CheckIn, previous: CheckIn | None) -> bool:
    """This morning's pain rose above the day before's: yesterday's load was not tolerated [F:28]."""
    baseline = (previous.pain_next_morning or 0) if previous is not None else 0
    today = checkin.pain_next_morning or 0
    return today > 0 and today >= baseline + thresholds.NEXT_MORNING_RISE.value


def red_flags(checkin: CheckIn) -> list[str]:
    """Answers that mean "stop and contact your physio" (domain.md §4)."""
    flags = []
    if checkin.night_pain:
        flags.append(_("pain at night"))
    if checkin.pain_rest >= thresholds.REST_PAIN_RED_FLAG.value:
        flags.append(_("pain at rest of %(n)s/10") % {"n": checkin.pain_rest})
    if checkin.pain_with_walking:
        flags.append(_("pain when walking"))
    if checkin.focal_tenderness == FocalTenderness.NEW:
        flags.append(_("a new tender spot on the bone"))
    if checkin.groin_pain:
        flags.append(_("groin or front-of-hip pain"))
    return flags


def run_pain_over_limit(checkin: CheckIn) -> bool:
    limit = thresholds.RUN_PAIN_LIMIT.value
    return (checkin.pain_during or 0) > limit or (checkin.pain_after or 0) > limit
