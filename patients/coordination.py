"""The care team's coordination around one athlete: review dates and tasks, the timeline of
messages the physio and the coach share, and the athlete's support contacts.

Writes validate and leave nothing half-saved; reads are plain functions over the member's
visible patients (tenancy: `Patient.objects.visible_to`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rtr.accounts.models import Role

from .models import (
    CareTask,
    Patient,
    PatientStatus,
    SupportContact,
    TaskKind,
    TeamMessage,
)

if TYPE_CHECKING:
    from rtr.accounts.models import Membership, User

# How far ahead the physio's home looks for reviews and tasks coming up.
COMING_UP_DAYS = 7
# A review set without a date (RTR defaults): a hold or a pause is looked at again within a
# week (a pause follows warning signs: not left longer), an imaging referral and a
# specialist's sign-off are followed up within two weeks.
DEFAULT_DUE_DAYS = {TaskKind.REVIEW: 7, TaskKind.IMAGING: 14, TaskKind.SIGNOFF: 14}


# --- Tasks ------------------------------------------------------------------------------------


@transaction.atomic
def task_add(
    *,
    patient: Patient,
    kind: str,
    by: User,
    due_on: date | None = None,
    note: str = "",
    today: date | None = None,
) -> CareTask:
    """A task for the care team, due on `due_on` (or the kind's default), never in the past.
    A kind already open for the patient moves to the new date rather than doubling up."""
    if kind not in TaskKind.values:
        raise ValidationError({"kind": _("Choose a task from the list.")})
    today = today or timezone.localdate()
    due_on = due_on or today + timedelta(days=DEFAULT_DUE_DAYS[TaskKind(kind)])
    if due_on < today:
        raise ValidationError({"due_on": _("Choose today or a later date.")})
    if due_on > today + timedelta(days=366):
        raise ValidationError({"due_on": _("Choose a date within a year.")})
    note = note.strip()
    if len(note) > 300:
        raise ValidationError({"note": _("Keep the note to 300 characters.")})
    open_task = CareTask.objects.open().filter(patient=patient, kind=kind).first()
    if open_task is not None:
        open_task.due_on = due_on
        open_task.note = note or open_task.note
        open_task.save(update_fields=["due_on", "note"])
        return open_task
    return CareTask.objects.create(
        patient=patient, kind=kind, due_on=due_on, note=note, created_by=by
    )


def tasks_close(*, patient: Patient, kind: str, by: User) -> int:
    """Mark the patient's open tasks of this kind done (a review happened, a sign-off came)."""
    return (
        CareTask.objects.open()
        .filter(patient=patient, kind=kind)
        .update(done_at=timezone.now(), done_by=by)
    )


@transaction.atomic
def task_done(*, task: CareTask, by: User) -> CareTask:
    task = CareTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ValidationError(_("This task is already done."))
    task.done_at = timezone.now()
    task.done_by = by
    task.save(update_fields=["done_at", "done_by"])
    return task


@dataclass(frozen=True)
class DueTask:
    task: CareTask
    overdue: bool
    due_today: bool


def tasks_due(
    membership: Membership, *, today: date, mine: bool, ahead: int = COMING_UP_DAYS
) -> list[DueTask]:
    """Open tasks of the member's visible patients due by `today + ahead`, the most overdue
    first; `mine`: only the physio's own patients (assigned or on the care team)."""
    visible = Patient.objects.visible_to(membership).filter(status=PatientStatus.ACTIVE)
    tasks = CareTask.objects.open().filter(
        patient__in=visible, due_on__lte=today + timedelta(days=ahead)
    )
    if mine:
        tasks = tasks.filter(
            Q(patient__assigned_physio_id=membership.user_id)
            | Q(patient__care_team__user_id=membership.user_id)
        ).distinct()
    return [
        DueTask(task, overdue=task.due_on < today, due_today=task.due_on == today)
        for task in tasks.select_related("patient").order_by("due_on", "pk")[:50]
    ]


def next_review(patient: Patient) -> date | None:
    """The date of the patient's next plan review, if one is set."""
    task = CareTask.objects.open().filter(patient=patient, kind=TaskKind.REVIEW).first()
    return task.due_on if task else None


# --- The physio–coach timeline ----------------------------------------------------------------

TIMELINE_ROLES = {Role.PHYSIO, Role.LEAD, Role.COACH}


@transaction.atomic
def team_message_post(*, patient: Patient, membership: Membership, text: str) -> TeamMessage:
    """A message on the athlete's timeline, from a physio, lead or coach who may see them."""
    if membership.role not in TIMELINE_ROLES:
        raise ValidationError(_("Only the care team writes on this timeline."))
    if not Patient.objects.visible_to(membership).filter(pk=patient.pk).exists():
        raise ValidationError(_("You are not on this athlete's care team."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Keep the message to 2,000 characters.")})
    return TeamMessage.objects.create(patient=patient, author=membership.user, text=text)


def team_timeline(patient: Patient, *, limit: int = 50) -> list[TeamMessage]:
    return list(patient.team_messages.select_related("author")[:limit])


# --- Support contacts -------------------------------------------------------------------------


@transaction.atomic
def support_contact_add(
    *,
    patient: Patient,
    by: User,
    name: str,
    relationship: str,
    email: str,
    gets_written_plan: bool,
    athlete_agreed: bool,
    gets_reminders: bool = False,
    today: date | None = None,
) -> SupportContact:
    """A support contact, only with the athlete's agreement (recorded with the day and who
    recorded it) and only for something they may receive."""
    if not athlete_agreed:
        raise ValidationError(
            {"athlete_agreed": _("Record the athlete's agreement first, or do not add them.")}
        )
    if not gets_written_plan and not gets_reminders:
        raise ValidationError(
            {"gets_written_plan": _("Tick what the athlete agreed this person may receive.")}
        )
    if patient.support_contacts.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": _("This person is already a support contact.")})
    contact = SupportContact(
        patient=patient,
        name=name.strip(),
        relationship=relationship,
        email=email.strip(),
        gets_written_plan=gets_written_plan,
        gets_reminders=gets_reminders,
        consent_on=today or timezone.localdate(),
        consent_recorded_by=by,
    )
    contact.full_clean(exclude=["patient", "consent_recorded_by"])
    contact.save()
    return contact


def support_contact_remove(*, contact: SupportContact) -> None:
    """The athlete withdrew their agreement: the contact is deleted (they are someone else's
    personal data, kept no longer than needed)."""
    contact.delete()
