"""What the care team does with flags: acknowledge, assign, note, resolve with an action, dismiss.

An action that changes the plan (hold, regress, pause) goes through the same stage-decision
service as the plan page (`protocols.services.decisions.plan_decide`), so it lands on the plan's
timeline. Two people acting on one flag at once: the first wins, the second is told.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checkins.models import (
    OPEN_FLAG_STATUSES,
    PLAN_ACTIONS,
    Channel,
    Flag,
    FlagAction,
    FlagNote,
    FlagStatus,
    Notification,
    NotificationKind,
)
from patients import coordination
from patients.models import Patient, TaskKind
from protocols.models import Plan, PlanStatus
from protocols.services import decisions as protocol_services
from rtr.accounts.models import CLINICAL_ROLES, Membership
from rtr.errors import Conflict

if TYPE_CHECKING:
    from rtr.accounts.models import User


def _written(text: str, field: str) -> str:
    """A clinician's text, trimmed; a NUL (which PostgreSQL cannot store) is a form error, not
    a 500 (found by the suite's form probe, tests/security/test_probe.py)."""
    if "\x00" in text:
        raise ValidationError({field: _("The text contains a character that cannot be saved.")})
    return text.strip()


def _locked(flag: Flag) -> Flag:
    # Lock order (rtr/locking.py): the patient first, then the flag (then the plan, if a
    # decision follows), as the evaluation that raises flags does.
    Patient.objects.select_for_update(of=("self",)).filter(pk=flag.patient_id).values_list(
        "pk", flat=True
    ).first()
    return (
        Flag.objects.select_for_update(of=("self",))
        .select_related("patient", "resolved_by")
        .get(pk=flag.pk)
    )


def _require_open(flag: Flag) -> None:
    """A closed flag cannot be acted on: someone got there first (a conflict, 409)."""
    if flag.status not in OPEN_FLAG_STATUSES:
        who = flag.resolved_by or _("someone")
        raise Conflict(
            _("This flag was already %(status)s by %(who)s.")
            % {"status": flag.get_status_display().lower(), "who": who}
        )


@transaction.atomic
def flag_acknowledge(*, flag: Flag, by: User) -> Flag:
    flag = _locked(flag)
    _require_open(flag)
    if flag.status == FlagStatus.ACKNOWLEDGED:
        raise Conflict(_("This flag is already acknowledged."))
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_by = by
    flag.acknowledged_at = timezone.now()
    flag.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return flag


@transaction.atomic
def flag_assign(*, flag: Flag, to: User, by: User) -> Flag:
    flag = _locked(flag)
    _require_open(flag)
    if not Membership.objects.filter(
        user=to, clinic_id=flag.clinic_id, role__in=CLINICAL_ROLES, is_active=True
    ).exists():
        raise ValidationError(
            {"assignee": _("Assign the flag to a physio or lead of this clinic.")}
        )
    flag.assigned_to = to
    flag.save(update_fields=["assigned_to"])
    return flag


@transaction.atomic
def flag_add_note(*, flag: Flag, by: User, text: str) -> FlagNote:
    text = _written(text, "text")
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    return FlagNote.objects.create(flag=flag, author=by, text=text.strip()[:2000])


@transaction.atomic
def flags_resolve(
    *,
    flags: list[Flag],
    by: User,
    action: str,
    note: str,
    shared_note: str = "",
    review_on: date | None = None,
) -> list[Flag]:
    """Resolve one or several open flags of one patient with one action (and one plan decision).

    Hold, regress and pause are decisions on the plan (the athlete is told, in `shared_note`'s
    words when given); hold and pause set the next review, a referral an imaging follow-up,
    on `review_on` or by default."""
    if action not in FlagAction.values:
        raise ValidationError({"action": _("Choose an action from the list.")})
    note = _written(note, "note")
    if not note:
        raise ValidationError({"note": _("Write what you decided and why.")})
    if not flags:
        raise ValidationError(_("Choose at least one flag."))
    if len(shared_note) > 1000:
        raise ValidationError(
            {"shared_note": _("Keep the note for the athlete to 1,000 characters.")}
        )
    if review_on is not None and review_on < timezone.localdate():
        raise ValidationError({"review_on": _("Choose today or a later date.")})
    locked = [_locked(flag) for flag in sorted(flags, key=lambda f: f.pk)]
    if len({f.patient_id for f in locked}) != 1:
        raise ValidationError(_("Flags resolved together must belong to one patient."))
    for flag in locked:
        _require_open(flag)
    patient = locked[0].patient
    if action in PLAN_ACTIONS:
        plan = Plan.objects.filter(
            patient=patient, status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED]
        ).first()
        if plan is None:
            raise ValidationError(
                {"action": _("The patient has no active plan to change: choose another action.")}
            )
        rules_text = ", ".join(sorted({f.rule_code.replace("_", " ") for f in locked}))
        protocol_services.plan_decide(
            plan=plan,
            kind=PLAN_ACTIONS[FlagAction(action)],
            by=by,
            rationale=_("From flag review (%(rules)s): %(note)s")
            % {"rules": rules_text, "note": note.strip()},
            shared_note=_written(shared_note, "shared_note"),
            review_on=review_on,
        )
    elif action == FlagAction.REFER:
        coordination.task_add(
            patient=patient, kind=TaskKind.IMAGING, by=by, due_on=review_on, note=note.strip()[:300]
        )
    now = timezone.now()
    for flag in locked:
        flag.status = FlagStatus.RESOLVED
        flag.resolved_by = by
        flag.resolved_at = now
        flag.action = action
        flag.resolution_note = note.strip()
        flag.save(
            update_fields=["status", "resolved_by", "resolved_at", "action", "resolution_note"]
        )
        _notify_decision(flag, by)
    return locked


@transaction.atomic
def flag_dismiss(*, flag: Flag, by: User, reason: str) -> Flag:
    reason = _written(reason, "reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for dismissing the flag.")})
    flag = _locked(flag)
    _require_open(flag)
    flag.status = FlagStatus.DISMISSED
    flag.resolved_by = by
    flag.resolved_at = timezone.now()
    flag.resolution_note = reason.strip()
    flag.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    _notify_decision(flag, by)
    return flag


def _notify_decision(flag: Flag, by: User) -> None:
    """The patient's physios see in the app what was decided on their patient's flag, and the
    bell stops counting the closed flag's "raised" and "escalated" notices as unread."""
    Notification.objects.filter(flag=flag, channel=Channel.IN_APP).unread().exclude(
        kind=NotificationKind.DECISION
    ).update(read_at=timezone.now())
    patient = flag.patient
    ids = {patient.assigned_physio_id} | set(
        patient.care_team.filter(role="physio").values_list("user_id", flat=True)
    )
    ids.discard(by.pk)
    title = _("%(who)s %(status)s a flag of %(patient)s: %(action)s") % {
        "who": by,
        "status": flag.get_status_display().lower(),
        "patient": patient.full_name,
        "action": FlagAction(flag.action).label if flag.action else flag.resolution_note[:60],
    }
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=NotificationKind.DECISION,
                channel=Channel.IN_APP,
                flag=flag,
                reason=f"closed:{flag.status}",
                title=str(title)[:200],
                link=reverse("checkins:flag_detail", args=[flag.public_id]),
                sent_at=timezone.now(),
            )
            for user_id in ids
        ],
        ignore_conflicts=True,
    )
