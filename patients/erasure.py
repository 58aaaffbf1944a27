"""Erasing a patient's personal data (UK GDPR Art. 17), keeping de-identified counts.

What stays: the patient row and every clinical record as structured values (sites, grades,
dates, pain scores, stages, flags and their rule evidence), so the clinic's caseload, flag and
outcome counts still add up. What goes: everything that names or reaches the person:

- the patient's name becomes "Erased patient", the birth date keeps only its year, the contact
  e-mail and free-text notes everywhere (check-in notes, injury and imaging notes, decision
  rationales, flag notes...) are blanked;
- the athlete account is deactivated and renamed `erased-<id>@invalid`, its sessions, sign-in
  links, authenticators, e-mail addresses and failed sign-in records are deleted, invitations
  are deleted; the watch's run files are deleted (their figures stay);
- audit entries about the patient keep who did what and when, but lose the values and names
  they quoted; the erasure itself is audited, naming no one but the lead who did it.

Each app erases its own records (patients/records.py: the erasers run in the registry's order,
then the account, the audit trail and the sign-in records here, then the patient row).

Notes on the design: the audit log is append-only for the app, and erasure is the one writer
allowed to rewrite it (the law asks for it); it runs with auditlog's signals off so the
erasure's own changes do not copy the old values back into the log.
"""

from __future__ import annotations

from datetime import date

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from rtr.accounts.models import Membership, User

from .models import Patient
from .records import ERASED_TEXT, records_in_order

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "patient"


class AlreadyErased(Exception):
    pass


def erased_email(user_id: int | None, prefix: str = "erased") -> str:
    return f"{prefix}-{user_id}@invalid"


def year_only(born: date) -> date:
    """The birth year kept for age bands; the day is 1 July (2 July if that was the birthday)."""
    kept = date(born.year, 7, 1)
    return kept if kept != born else date(born.year, 7, 2)


@transaction.atomic
def patient_erase(*, patient: Patient, by: User) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.erased_at is not None:
        raise AlreadyErased
    old_email = patient.contact_email
    account_email = patient.user.email if patient.user is not None else None
    with disable_auditlog():
        for entry in records_in_order():
            if entry.erase is not None:
                entry.erase(patient)
        _account_erase(patient)
        _audit_trail_scrub(patient)
        _sign_in_records_delete([e for e in (old_email, account_email) if e])
        patient.first_name = ERASED_FIRST_NAME
        patient.last_name = ERASED_LAST_NAME
        patient.date_of_birth = year_only(patient.date_of_birth)
        patient.contact_email = erased_email(patient.pk, "erased-patient")
        patient.discipline = ""
        patient.status = "discharged"
        patient.discharged_at = patient.discharged_at or timezone.now()
        patient.erased_at = timezone.now()
        patient.save()
    _erasure_record(patient, by)
    return patient


def _account_erase(patient: Patient) -> None:
    """Deactivate the athlete account and remove everything that could sign it in."""

    if patient.user_id is None:
        return
    user = User.objects.select_for_update().get(pk=patient.user_id)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).update(is_active=False)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    user.email = erased_email(user.pk)
    user.first_name = ""
    user.last_name = ""
    user.password = make_password(None)
    user.is_active = False
    user.sessions_valid_after = timezone.now()
    user.save()


def _audit_trail_scrub(patient: Patient) -> None:
    """Keep who did what and when about this patient; drop the values and names quoted."""

    LogEntry.objects.filter(additional_data__patient=str(patient.public_id)).update(
        object_repr=ERASED_TEXT, changes={}, changes_text="", serialized_data=None
    )
    if patient.user_id is not None:
        LogEntry.objects.filter(actor_id=patient.user_id).update(
            remote_addr=None, actor_email=erased_email(patient.user_id)
        )


def _sign_in_records_delete(emails: list[str]) -> None:
    """django-axes keeps the e-mail typed at each (failed) sign-in."""

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        for email in emails:
            model.objects.filter(username__iexact=email).delete()


def _erasure_record(patient: Patient, by: User) -> None:

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(patient)),
        object_pk=str(patient.pk),
        object_id=patient.pk,
        object_repr=ERASED_TEXT,
        action=LogEntry.Action.UPDATE,
        changes={"personal data": ["held", "erased"]},
        actor=by,
        additional_data={
            "patient": str(patient.public_id),
            "clinic": patient.clinic_id,
            "event": "erasure",
        },
    )
