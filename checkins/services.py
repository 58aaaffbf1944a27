"""Writes for check-ins and sign-in links. Views and tasks call these; tests too."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient, PatientStatus
from protocols import selectors as protocol_selectors
from protocols.models import Plan, PlanStatus, SessionLog
from protocols.services import sessions as protocol_services
from rtr.accounts.models import STAFF_ROLES, Membership
from rtr.locking import retry_on_deadlock
from rtr.tokens import TokenKind, new_nonce

from . import logic, offline
from .models import CheckIn, SignInLink
from .warning_signs import thresholds

if TYPE_CHECKING:
    from rtr.accounts.models import User

# What the check-in records about it rather than what the athlete answered: who and when, the
# plan and what it prescribed that day.
RECORD_FIELDS = frozenset(
    {
        "id",
        "public_id",
        "patient",
        "plan",
        "date",
        "is_late",
        "prescribed_kind",
        "prescribed_label",
        "prescribed_run_minutes",
        "submitted_at",
        "edited_at",
        "evaluated_at",
        "submitted_by",
    }
)
# The athlete's answers, from the model in its order: the form asks them, the service saves
# them, the CSV exports them; a field added to the model is all three at once.
CHECKIN_FIELDS = tuple(
    field.name for field in CheckIn._meta.concrete_fields if field.name not in RECORD_FIELDS
)
SIGN_IN_SALT = "rtr.checkins.sign-in-link"
SIGN_IN_TOKEN: TokenKind[SignInLink] = TokenKind(
    salt=SIGN_IN_SALT, claims={"l": "public_id", "n": "nonce", "u": "user__public_id"}
)


def local_today(patient: Patient) -> date:
    """Today in the patient's clinic: check-in dates are the clinic's local dates."""
    return timezone.localdate(timezone=patient.clinic.zone)


def _check_day(patient: Patient, day: date) -> bool:
    """Whether `day` is a late entry (yesterday); refuses any other day but today."""
    today = local_today(patient)
    if day > today:
        raise ValidationError({"date": _("A check-in cannot be for a future day.")})
    if day < today - timedelta(days=1):
        raise ValidationError(
            {"date": _("Only today's check-in, or yesterday's if you missed it, can be entered.")}
        )
    return day < today


def checkin_submit(
    *,
    patient: Patient,
    by: User,
    day: date,
    data: dict[str, Any],
    client_id: UUID | None = None,
) -> tuple[CheckIn, bool]:
    """Save the day's check-in (or update today's); returns it and whether it is new.

    One per patient and day: concurrent submissions are serialised on the patient row, and
    the unique constraint backs it up (a lost race is retried once, as an update).
    Yesterday's may be entered once, marked late. A `client_id` (the phone's id of this
    check-in, offline.py) already saved returns that check-in unchanged: sent twice, saved once.
    """

    def submit() -> tuple[CheckIn, bool]:
        return _submit(patient=patient, by=by, day=day, data=data, client_id=client_id)

    # Lock order and the deadlock retry: rtr/locking.py.
    try:
        return retry_on_deadlock(submit, what="saving a check-in")
    except IntegrityError:
        try:
            return retry_on_deadlock(submit, what="saving a check-in")
        except IntegrityError as exc:
            raise ValidationError(
                _("This check-in was just saved from another device; reload to see it.")
            ) from exc


@transaction.atomic
def _submit(
    *, patient: Patient, by: User, day: date, data: dict[str, Any], client_id: UUID | None
) -> tuple[CheckIn, bool]:
    # Lock order (rtr/locking.py): the patient first, then its check-in, then its plan.
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=patient.pk)
    )
    # Issue 21 (offline replay): under the patient lock, a check-in already received is answered
    # with what was saved, before anything else is checked or written.
    if client_id is not None and (seen := offline.already_received(patient, client_id)):
        return seen, False
    if patient.status == PatientStatus.DISCHARGED:
        raise ValidationError(_("Check-ins are closed for a discharged patient."))
    late = _check_day(patient, day)
    existing = CheckIn.objects.select_for_update().filter(patient=patient, date=day).first()
    if existing is not None and (late or existing.is_late):
        raise ValidationError(
            {"date": _("Yesterday's check-in is already recorded; only today's can be changed.")}
        )
    checkin = existing or CheckIn(patient=patient, date=day, is_late=late, submitted_by=by)
    for key in CHECKIN_FIELDS:
        if key in data:
            setattr(checkin, key, data[key])
    if not checkin.did_session:
        checkin.pain_during = checkin.pain_after = checkin.session_rpe = None
    plan = (
        Plan.objects.filter(patient=patient, status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED])
        .select_related("current_stage", "current_step")
        .first()
    )
    checkin.plan = plan
    if existing is None:
        rx = protocol_selectors.prescription_for(plan, day)
        checkin.prescribed_kind = rx.kind
        checkin.prescribed_label = rx.title[:160]
        checkin.prescribed_run_minutes = rx.step.run_total_minutes if rx.step is not None else None
    else:
        checkin.edited_at = timezone.now()
        checkin.evaluated_at = None  # an edit is evaluated again
    # The table's CHECK constraints guard the ranges (and the form has checked them): not asking
    # the database for each of them first saved 9 of the 22 statements of a submission (bench).
    checkin.full_clean(
        exclude=["patient", "plan", "submitted_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    checkin.save()
    if client_id is not None:  # issue 21: the phone's id, unique (offline.py)
        offline.receipt_record(checkin, client_id)
    if plan is not None:
        _tell_the_plan(plan, checkin, clinic_id=patient.clinic_id)
    return checkin, existing is None


def _tell_the_plan(plan: Plan, checkin: CheckIn, *, clinic_id: int) -> None:
    """The plan's step progression learns what happened (protocols owns the plan state)."""
    values = thresholds.for_clinic(clinic_id)  # the clinic's limits, overrides applied
    # The plan judges the day against what it prescribed (protocols.prescription.step_outcome):
    # a strength, cross-training or rest day never moves a step; None clears an edited day.
    protocol_services.plan_record_session(
        plan=plan, day=checkin.date, outcome=logic.session_outcome(checkin, values)
    )
    rise = thresholds.value(values, thresholds.NEXT_MORNING_HOLD_RISE)
    if (checkin.pain_next_morning or 0) < rise:
        return  # cannot have risen enough over any day before: no need to read it
    previous = CheckIn.objects.filter(
        patient_id=checkin.patient_id, date=checkin.date - timedelta(days=1)
    ).first()
    if logic.pain_lasted_overnight(checkin, previous, values):
        yesterday = (
            SessionLog.objects.filter(plan=plan, day=checkin.date - timedelta(days=1))
            .exclude(outcome="skipped")
            .first()
        )
        if yesterday is not None:
            protocol_services.plan_record_session(
                plan=plan, day=yesterday.day, outcome="next_day_pain"
            )


# --- Sign-in links ----------------------------------------------------------------------------


class LinkError(Exception):
    def __init__(self, message: str, *, status: int = 400, link: SignInLink | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.link = link  # set when the athlete may ask for a new link from the page (used once)


def is_staff_account(user: User) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists()
    )


@transaction.atomic
def signin_link_create(*, user: User, hours: int | None = None, purpose: str = "checkin") -> str:
    """A signed link that signs this athlete in; staff accounts never get one."""
    if is_staff_account(user):
        raise ValidationError(_("Staff accounts cannot sign in by link."))
    if not Membership.objects.filter(user=user, role="athlete", is_active=True).exists():
        raise ValidationError(_("Only an athlete's account can sign in by link."))
    hours = hours or settings.RTR_SIGN_IN_LINK_HOURS
    link = SignInLink.objects.create(
        user=user,
        nonce=new_nonce(),
        purpose=purpose,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    token = SIGN_IN_TOKEN.make(link)
    return f"{settings.SITE_URL}{reverse('checkins:link_sign_in', args=[token])}"


def signin_link_email(*, patient: Patient) -> None:
    """E-mail the athlete a sign-in link (no clinical details in the message)."""
    if patient.user is None:
        raise ValidationError(_("The athlete has no account yet."))
    url = signin_link_create(user=patient.user)
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "url": url,
        "hours": settings.RTR_SIGN_IN_LINK_HOURS,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=render_to_string("emails/sign_in_link_subject.txt", context).strip(),
            message=render_to_string("emails/sign_in_link_body.txt", context),
            from_email=None,
            recipient_list=[patient.user.email] if patient.user else [],
        )
    )


def signin_link_resolve(token: str) -> SignInLink:
    """The usable link for this token, or LinkError saying why not."""
    link = SIGN_IN_TOKEN.find(token, SignInLink.objects.select_related("user"))
    if link is None:
        raise LinkError(_("This sign-in link is not valid. Check that you opened the whole link."))
    if link.revoked_at is not None:
        raise LinkError(
            _(
                "This sign-in link was cancelled. Sign in with your password, or ask your physio for a new link."
            )
        )
    if link.expires_at <= timezone.now():
        raise LinkError(
            _(
                "This sign-in link has expired. Sign in with your password, or use the link in your latest reminder."
            )
        )
    if not link.user.is_active or is_staff_account(link.user):
        raise LinkError(
            _("This account cannot sign in by link. Sign in with your password."), status=403
        )
    if link.last_used_at is not None:
        raise _link_used_error(link)
    return link


def _link_used_error(link: SignInLink) -> LinkError:
    return LinkError(
        _(
            "This sign-in link has already been used: each link signs you in once. "
            "We can e-mail you a new one, or sign in with your password."
        ),
        status=410,
        link=link,
    )


def signin_link_used(link: SignInLink) -> None:
    """Spend the link: it signs in once (issue 24.5). Two requests racing with one link: one
    wins, the other gets the "already used" page."""
    spent = SignInLink.objects.filter(pk=link.pk, last_used_at=None).update(
        last_used_at=timezone.now()
    )
    if not spent:
        raise _link_used_error(link)


def signin_links_revoke(*, user: User) -> int:
    return SignInLink.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
