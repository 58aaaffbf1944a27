"""Check-ins sent from the athlete's phone after being kept there offline (issue 21).

Each check-in carries an id the phone made up (a UUID) when the athlete pressed send. The
service records it, in the same transaction as the check-in, in a table where it is unique:
the same check-in sent twice (the phone replaying its queue, a double tap, a retry after a
lost answer) is saved once, and the second sending is answered with the first one's result.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from patients.models import Patient

from .models import CheckIn, CheckInReceipt

FIELD = "client_id"  # the form field the phone fills in


def client_id_from(data: Any) -> uuid.UUID | None:
    """The phone's id of this check-in, or None when there is none (no JavaScript)."""
    value = (data.get(FIELD) or "").strip() if data is not None else ""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValidationError(_("This check-in's id from your phone is not valid.")) from exc


def for_another_account(data: Any, user: Any) -> bool:
    """Whether a form says it was filled in for another athlete than the one signed in (the
    page was kept on a phone that someone else has signed in on since)."""
    athlete = (data.get("athlete") or "").strip()
    return bool(athlete) and athlete != str(user.public_id)


def already_received(patient: Patient, client_id: uuid.UUID) -> CheckIn | None:
    """The check-in this id was saved as, if it was; another patient's id is refused.

    Called by the service after it has locked the patient row, so two sendings of one id are
    serialised there; the unique constraint backs it up."""
    receipt = CheckInReceipt.objects.select_related("checkin").filter(client_id=client_id).first()
    if receipt is None:
        return None
    if receipt.checkin.patient_id != patient.pk:
        raise ValidationError(_("This check-in's id from your phone is not valid."))
    return receipt.checkin


def receipt_record(checkin: CheckIn, client_id: uuid.UUID) -> None:
    CheckInReceipt.objects.create(checkin=checkin, client_id=client_id)
