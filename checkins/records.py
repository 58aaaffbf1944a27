"""A patient's check-ins, flags and messages in their export and erasure (registered in
patients/records.py, in three places of the export file: the check-ins and flags after the
plans, the notifications after the run files, the phone's records at the end).

Erasure blanks the check-in notes, flag notes and notification titles (the flags and their
evidence stay, for the clinic's counts), and deletes what reaches the athlete's account: the
messages addressed to them, sign-in links, push devices and reminder preferences.
"""

from __future__ import annotations

from django.db.models import Q

from patients.models import Patient
from patients.records import (
    ERASED_TEXT,
    ExportRows,
    athlete_account,
    export_rows,
    register_records,
)

from .models import (
    CheckIn,
    CheckInReceipt,
    Flag,
    FlagNote,
    Notification,
    PushSubscription,
    ReminderPreference,
    SignInLink,
)

CHECKIN_MODELS = ("checkins.checkin", "checkins.flag", "checkins.flagnote")
NOTIFICATION_MODELS = ("checkins.notification",)
# Issue 21: the phone's ids of the check-ins, the athlete's devices (keys left out), reminders.
PHONE_MODELS = (
    "checkins.checkinreceipt",
    "checkins.pushsubscription",
    "checkins.reminderpreference",
)


def checkin_records_export(patient: Patient) -> dict[str, ExportRows]:
    flags = Flag.objects.filter(patient=patient)
    return {
        "checkins": export_rows(CheckIn.objects.filter(patient=patient)),
        "flags": export_rows(flags),
        "flag_notes": export_rows(FlagNote.objects.filter(flag__in=flags)),
    }


def notification_records_export(patient: Patient) -> dict[str, ExportRows]:
    """The messages about the patient's flags, and those addressed to the athlete."""
    flags = Flag.objects.filter(patient=patient)
    return {
        "notifications": export_rows(
            Notification.objects.filter(Q(flag__in=flags) | Q(recipient_id=patient.user_id))
            if patient.user_id
            else Notification.objects.filter(flag__in=flags)
        ),
    }


def phone_records_export(patient: Patient) -> dict[str, ExportRows]:
    """Offline check-in ids, push devices (endpoint and keys are secrets), reminders."""
    account = athlete_account(patient)
    return {
        "checkin_receipts": export_rows(CheckInReceipt.objects.filter(checkin__patient=patient)),
        "push_devices": export_rows(
            PushSubscription.objects.filter(user__in=account),
            exclude=("endpoint", "p256dh", "auth"),
        ),
        "reminder_preference": export_rows(ReminderPreference.objects.filter(user__in=account)),
    }


def checkin_records_erase(patient: Patient) -> None:
    CheckIn.objects.filter(patient=patient).update(notes="")
    flags = Flag.objects.filter(patient=patient)
    flags.update(resolution_note="")
    FlagNote.objects.filter(flag__in=flags).update(text=ERASED_TEXT)
    Notification.objects.filter(flag__in=flags).update(title=ERASED_TEXT, last_error="")


def athlete_records_erase(patient: Patient) -> None:
    """What reaches the athlete's account: its messages, sign-in links, devices, reminders."""
    if patient.user_id is None:
        return
    user_id = patient.user_id
    Notification.objects.filter(recipient_id=user_id).delete()  # reminders addressed to them
    SignInLink.objects.filter(user_id=user_id).delete()
    PushSubscription.objects.filter(user_id=user_id).delete()  # issue 21: the athlete's devices
    ReminderPreference.objects.filter(user_id=user_id).delete()


def register_patient_records() -> None:
    """Three places in the export file, kept where they have always been."""
    register_records(
        "checkins",
        order=30,
        export=checkin_records_export,
        erase=checkin_records_erase,
        models=CHECKIN_MODELS,
    )
    register_records(
        "checkins", order=50, export=notification_records_export, models=NOTIFICATION_MODELS
    )
    register_records(
        "checkins",
        order=70,
        export=phone_records_export,
        erase=athlete_records_erase,
        models=PHONE_MODELS,
    )
