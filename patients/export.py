"""A patient's data, all of it, for a data subject access request (UK GDPR Art. 15 / 20).

Every table that holds a row about the patient is listed here once; the test creates a row in
each for two patients and checks that the export of one holds all of its rows and none of the
other's. Secrets (the invitation nonce, the password hash) are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core import serializers
from django.db.models import Q, QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Patient

FORMAT_VERSION = 1
# Every model holding rows of one patient: a test fails when a new one is not exported.
EXPORTED_MODELS = frozenset(
    {
        "patients.patient",
        "patients.careteammember",
        "patients.injury",
        "patients.imagingentry",
        "patients.priorinjury",
        "patients.triadscreen",
        "patients.athleteinvitation",
        "protocols.plan",
        "protocols.stagedecision",
        "protocols.sessionlog",
        "protocols.specialistsignoff",
        "checkins.checkin",
        "checkins.flag",
        "checkins.flagnote",
        "checkins.notification",
        "interop.researchconsent",
        "checkins.checkinreceipt",  # issue 21: the phone's ids of the check-ins
        "checkins.pushsubscription",  # issue 21: the athlete's devices (keys left out)
        "checkins.reminderpreference",
        "loads.runimport",
    }
)
ACCOUNT_FIELDS = ("email", "first_name", "last_name", "public_id", "date_joined", "last_login")


def _rows(queryset: QuerySet[Any], *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = serializers.serialize("python", queryset.order_by("pk"))
    for row in rows:
        for name in exclude:
            row["fields"].pop(name, None)
    return rows


def patient_export(patient: Patient) -> dict[str, Any]:
    """Everything recorded about one patient, grouped by kind of record."""
    from checkins.models import (
        CheckIn,
        CheckInReceipt,
        Flag,
        FlagNote,
        Notification,
        PushSubscription,
        ReminderPreference,
    )
    from interop.models import ResearchConsent
    from loads.models import RunImport
    from protocols.models import (
        EntryCriterion,
        Plan,
        ProtocolTemplate,
        SessionLog,
        SessionStep,
        SpecialistSignOff,
        Stage,
        StageDecision,
    )
    from rtr.accounts.models import User

    from .models import (
        AthleteInvitation,
        CareTeamMember,
        ImagingEntry,
        Injury,
        Patient,
        PriorInjury,
        TriadScreen,
    )

    plans = Plan.objects.filter(patient=patient)
    contents = ProtocolTemplate.objects.filter(plan__patient=patient)
    flags = Flag.objects.filter(patient=patient)
    account = User.objects.filter(pk=patient.user_id) if patient.user_id else User.objects.none()
    return {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "patient": _rows(Patient.objects.filter(pk=patient.pk)),
        "athlete_account": [
            {"model": "accounts.user", "fields": dict(row)}
            for row in account.values(*ACCOUNT_FIELDS)
        ],
        "care_team": _rows(CareTeamMember.objects.filter(patient=patient)),
        "injuries": _rows(Injury.objects.filter(patient=patient)),
        "imaging": _rows(ImagingEntry.objects.filter(injury__patient=patient)),
        "prior_injuries": _rows(PriorInjury.objects.filter(patient=patient)),
        "triad_screens": _rows(TriadScreen.objects.filter(patient=patient)),
        "invitations": _rows(AthleteInvitation.objects.filter(patient=patient), exclude=("nonce",)),
        "plans": _rows(plans),
        "plan_contents": _rows(contents),
        "plan_stages": _rows(Stage.objects.filter(template__in=contents)),
        "plan_entry_criteria": _rows(EntryCriterion.objects.filter(stage__template__in=contents)),
        "plan_session_steps": _rows(SessionStep.objects.filter(stage__template__in=contents)),
        "stage_decisions": _rows(StageDecision.objects.filter(plan__in=plans)),
        "session_logs": _rows(SessionLog.objects.filter(plan__in=plans)),
        "specialist_signoffs": _rows(SpecialistSignOff.objects.filter(plan__in=plans)),
        "checkins": _rows(CheckIn.objects.filter(patient=patient)),
        "flags": _rows(flags),
        "flag_notes": _rows(FlagNote.objects.filter(flag__in=flags)),
        "run_files": _rows(RunImport.objects.filter(patient=patient), exclude=("sha256",)),
        "notifications": _rows(
            Notification.objects.filter(Q(flag__in=flags) | Q(recipient_id=patient.user_id))
            if patient.user_id
            else Notification.objects.filter(flag__in=flags)
        ),
        "research_consent": _rows(ResearchConsent.objects.filter(patient=patient)),
        # Issue 21: offline check-in ids, push devices (endpoint and keys are secrets), reminders.
        "checkin_receipts": _rows(CheckInReceipt.objects.filter(checkin__patient=patient)),
        "push_devices": _rows(
            PushSubscription.objects.filter(user__in=account),
            exclude=("endpoint", "p256dh", "auth"),
        ),
        "reminder_preference": _rows(ReminderPreference.objects.filter(user__in=account)),
    }
