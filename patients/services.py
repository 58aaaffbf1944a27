"""Writes for patients, injuries, screens, care teams and invitations.

Each service validates, writes inside one transaction, and leaves nothing half-saved when
it refuses. Views pass cleaned form data; tests call these directly.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rtr.accounts.models import Membership, Role
from rtr.accounts.services import membership_add
from rtr.errors import Conflict, Refused
from rtr.tokens import TokenKind, new_nonce

from . import bsi, triad
from .models import (
    AthleteInvitation,
    CareTeamMember,
    ImagingEntry,
    Injury,
    Patient,
    PatientStatus,
    PriorInjury,
    TriadScreen,
)

if TYPE_CHECKING:
    from rtr.accounts.models import Clinic, User

INVITATION_SALT = "rtr.patients.invitation"
INVITATION_TOKEN: TokenKind[AthleteInvitation] = TokenKind(
    salt=INVITATION_SALT, claims={"i": "public_id", "n": "nonce"}
)

PATIENT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "sport",
    "discipline",
    "pre_injury_weekly_km",
    "pre_injury_weekly_minutes",
    "contact_email",
    "status",
)


def _check_staff_of(clinic: Clinic, user: User, roles: set[str]) -> None:
    if not Membership.objects.filter(
        clinic=clinic, user=user, role__in=roles, is_active=True
    ).exists():
        raise ValidationError(
            _("%(user)s is not a member of this clinic with that role.") % {"user": user}
        )


@transaction.atomic
def patient_create(
    *, clinic: Clinic, by: User, consent_given: bool, assigned_physio: User, **data: Any
) -> Patient:
    _check_staff_of(clinic, assigned_physio, {Role.PHYSIO, Role.LEAD})
    patient = Patient(
        clinic=clinic,
        assigned_physio=assigned_physio,
        **{k: data[k] for k in PATIENT_FIELDS if k in data},
    )
    if consent_given:
        patient.consent_given_at = timezone.now()
        patient.consent_recorded_by = by
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_update(
    *, patient: Patient, by: User, consent_given: bool, assigned_physio: User, **data: Any
) -> Patient:
    _check_staff_of(patient.clinic, assigned_physio, {Role.PHYSIO, Role.LEAD})
    for key in PATIENT_FIELDS:
        if key in data and key != "status":
            setattr(patient, key, data[key])
    patient.assigned_physio = assigned_physio
    if consent_given and patient.consent_given_at is None:
        patient.consent_given_at = timezone.now()
        patient.consent_recorded_by = by
    elif not consent_given:
        patient.consent_given_at = None
        patient.consent_recorded_by = None
    if "status" in data:
        _apply_status(patient, data["status"])
    patient.full_clean()
    patient.save()
    return patient


def _apply_status(patient: Patient, status: str) -> None:
    if status == PatientStatus.DISCHARGED and patient.status != PatientStatus.DISCHARGED:
        patient.discharged_at = timezone.now()
    elif status != PatientStatus.DISCHARGED:
        patient.discharged_at = None
    patient.status = status


@transaction.atomic
def patient_discharge(*, patient: Patient, by: User) -> Patient:
    if patient.status == PatientStatus.DISCHARGED:
        raise Conflict(_("This patient is already discharged."))
    _apply_status(patient, PatientStatus.DISCHARGED)
    patient.save(update_fields=["status", "discharged_at", "updated_at"])
    return patient


@transaction.atomic
def care_team_set(*, patient: Patient, members: list[tuple[User, str]]) -> list[CareTeamMember]:
    """Replace the care team (besides the assigned physio) with these (user, role) pairs."""
    for user, role in members:
        if role not in {Role.PHYSIO, Role.LEAD, Role.COACH}:
            raise ValidationError(_("Unknown care-team role."))
        _check_staff_of(patient.clinic, user, {role})
    keep = {user.pk for user, _role in members}
    patient.care_team.exclude(user_id__in=keep).delete()
    team = []
    for user, role in members:
        member, _created = CareTeamMember.objects.update_or_create(
            patient=patient, user=user, defaults={"role": role}
        )
        team.append(member)
    return team


# --- Injuries ------------------------------------------------------------------------------


def injury_derive(*, site: str, metatarsal_zone: str = "") -> dict[str, Any]:
    """What the system derives from the site: bone type, orthopaedic risk, bone-health flag."""
    risk = bsi.derive_risk(site, metatarsal_zone)
    return {
        "bone_type": bsi.derive_bone_type(site),
        "derived_risk": risk or "",
        "bone_health_flag": bsi.needs_bone_health_workup(site),
    }


INJURY_FIELDS = (
    "site",
    "metatarsal_zone",
    "sub_site_note",
    "side",
    "fredericson_grade",
    "arendt_grade",
    "kaeding_miller_grade",
    "fracture_line",
    "fracture_extent_pct",
    "displacement_mm",
    "first_symptoms_on",
    "diagnosed_on",
    "weight_bearing",
    "walking_aid",
    "notes",
)


def _apply_injury(
    injury: Injury,
    *,
    by: User,
    risk_override: str = "",
    risk_override_reason: str = "",
    **data: Any,
) -> None:
    """The form's answers onto the injury; the derived facts and a clinician's risk override."""
    for key in INJURY_FIELDS:
        if key in data:
            value = data[key]
            if value is None and key not in {
                "fracture_extent_pct",
                "displacement_mm",
                "first_symptoms_on",
                "diagnosed_on",
            }:
                value = ""  # an empty choice or text field
            setattr(injury, key, value)
    if injury.site not in bsi.METATARSALS:
        injury.metatarsal_zone = ""
    for key, value in injury_derive(
        site=injury.site, metatarsal_zone=injury.metatarsal_zone
    ).items():
        setattr(injury, key, value)
    reason = (risk_override_reason or "").strip()
    chosen = risk_override or injury.derived_risk
    if not chosen:
        raise ValidationError(
            {
                "risk_override": _(
                    "This site has no default risk category: choose one and give the reason."
                )
            }
        )
    if chosen != injury.derived_risk:
        if not reason:
            raise ValidationError(
                {
                    "risk_override_reason": _(
                        "Give the reason for overriding the derived risk category."
                    )
                }
            )
        if chosen != injury.risk_category or reason != injury.risk_override_reason:
            injury.risk_overridden_by = by
            injury.risk_overridden_at = timezone.now()
        injury.risk_override_reason = reason
    else:
        injury.risk_override_reason = ""
        injury.risk_overridden_by = None
        injury.risk_overridden_at = None
    injury.risk_category = chosen


def _validate_injury_dates(injury: Injury) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if injury.first_symptoms_on and injury.first_symptoms_on > today:
        errors["first_symptoms_on"] = _("First symptoms cannot be in the future.")
    if injury.diagnosed_on and injury.diagnosed_on > today:
        errors["diagnosed_on"] = _("The diagnosis date cannot be in the future.")
    if (
        injury.first_symptoms_on
        and injury.diagnosed_on
        and injury.diagnosed_on < injury.first_symptoms_on
    ):
        errors["diagnosed_on"] = _("The diagnosis cannot come before the first symptoms.")
    if (
        injury.patient.date_of_birth
        and injury.first_symptoms_on
        and injury.first_symptoms_on < injury.patient.date_of_birth
    ):
        errors["first_symptoms_on"] = _("First symptoms cannot be before the date of birth.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def injury_create(*, patient: Patient, by: User, **data: Any) -> Injury:
    """Record a new current injury; the previous current one moves to the history."""
    injury = Injury(patient=patient, created_by=by, is_current=True)
    _apply_injury(injury, by=by, **data)
    _validate_injury_dates(injury)
    injury.full_clean(exclude=["is_current"])
    Injury.objects.select_for_update().filter(patient=patient, is_current=True).update(
        is_current=False
    )
    injury.save()
    return injury


@transaction.atomic
def injury_update(*, injury: Injury, by: User, **data: Any) -> Injury:
    _apply_injury(injury, by=by, **data)
    _validate_injury_dates(injury)
    injury.full_clean()
    injury.save()
    return injury


@transaction.atomic
def imaging_add(
    *, injury: Injury, by: User, modality: str, taken_on: date, grade: str = "", note: str = ""
) -> ImagingEntry:
    entry = ImagingEntry(
        injury=injury, created_by=by, modality=modality, taken_on=taken_on, grade=grade, note=note
    )
    if taken_on and taken_on > timezone.localdate():
        raise ValidationError({"taken_on": _("The imaging date cannot be in the future.")})
    if taken_on and taken_on < injury.patient.date_of_birth:
        raise ValidationError(
            {"taken_on": _("The imaging date cannot be before the date of birth.")}
        )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def prior_injury_add(
    *, patient: Patient, site: str, occurred_on: date, weeks_lost: int | None = None
) -> PriorInjury:
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("A prior injury cannot be in the future.")})
    if occurred_on < patient.date_of_birth:
        raise ValidationError(
            {"occurred_on": _("A prior injury cannot be before the date of birth.")}
        )
    prior = PriorInjury(patient=patient, site=site, occurred_on=occurred_on, weeks_lost=weeks_lost)
    prior.full_clean()
    prior.save()
    return prior


# --- Bone-health screen --------------------------------------------------------------------


@transaction.atomic
def triad_screen_record(
    *,
    patient: Patient,
    by: User,
    screened_on: date,
    categorical_restriction: bool = False,
    notes: str = "",
    **scores: int | None,
) -> TriadScreen:
    unknown = set(scores) - set(triad.FACTOR_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown factors: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    if screened_on > timezone.localdate():
        raise ValidationError({"screened_on": _("A screen cannot be dated in the future.")})
    for factor in triad.FACTORS:
        value = scores.get(factor.field)
        if value is None and not factor.menstrual:
            raise ValidationError({factor.field: _("Score this factor (0, 1 or 2).")})
        if value is not None and value not in (0, 1, 2):
            raise ValidationError({factor.field: _("A factor scores 0, 1 or 2.")})
    total = triad.total_score(scores.get(f) for f in triad.FACTOR_FIELDS)
    screen = TriadScreen(
        patient=patient,
        recorded_by=by,
        screened_on=screened_on,
        categorical_restriction=categorical_restriction,
        notes=notes,
        total=total,
        clearance=triad.clearance_for(total, categorical_restriction=categorical_restriction),
        **{f: scores.get(f) for f in triad.FACTOR_FIELDS},
    )
    screen.full_clean()
    screen.save()
    return screen


def suggested_stress_reaction_score(patient: Patient) -> int:
    """The CRA's stress-reaction factor from the records: >= 2 BSIs or any trabecular one -> 2 [F:13]."""
    sites = list(patient.injuries.values_list("site", flat=True)) + list(
        patient.prior_injuries.values_list("site", flat=True)
    )
    if not sites:
        return 0
    if len(sites) >= 2 or any(bsi.needs_bone_health_workup(site) for site in sites):
        return 2
    return 1


# --- Athlete invitations ---------------------------------------------------------------------


class InvitationError(Exception):
    """An invitation link that cannot be used, with the reason to show the athlete."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def invitation_token(invitation: AthleteInvitation) -> str:
    return INVITATION_TOKEN.make(invitation)


def invitation_url(invitation: AthleteInvitation) -> str:
    return f"{settings.SITE_URL}{reverse('invitation_accept', args=[invitation_token(invitation)])}"


@transaction.atomic
def invitation_send(*, patient: Patient, by: User) -> AthleteInvitation:
    """Invite the athlete by e-mail. A new invitation revokes any earlier open one."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.user_id is not None:
        raise Conflict(_("This athlete already has an account; they sign in with it."))
    if patient.status == PatientStatus.DISCHARGED:
        raise Refused(_("A discharged patient cannot be invited."))
    email = patient.contact_email.strip().lower()
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("Another account already uses %(email)s: correct the patient's contact e-mail.")
            % {"email": email}
        )
    now = timezone.now()
    AthleteInvitation.objects.filter(patient=patient, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    invitation = AthleteInvitation.objects.create(
        patient=patient,
        email=email,
        nonce=new_nonce(),
        sent_by=by,
        sent_at=now,
        expires_at=now + timedelta(hours=settings.RTR_INVITATION_HOURS),
    )
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "url": invitation_url(invitation),
        "hours": settings.RTR_INVITATION_HOURS,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=render_to_string("emails/invitation_subject.txt", context).strip(),
            message=render_to_string("emails/invitation_body.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation


def invitation_from_token(token: str) -> AthleteInvitation:
    """The open invitation this token was made for, or InvitationError with the reason."""
    invitation = INVITATION_TOKEN.find(
        token, AthleteInvitation.objects.select_related("patient", "patient__clinic")
    )
    if invitation is None:
        raise InvitationError(
            _("This invitation link is not valid. Check that you opened the whole link.")
        )
    state = invitation.state
    if state == "accepted":
        raise InvitationError(
            _("This invitation has already been used. Sign in with your e-mail and password.")
        )
    if state == "revoked":
        raise InvitationError(
            _("A newer invitation replaced this one: use the link in the latest e-mail.")
        )
    if state == "expired":
        raise InvitationError(_("This invitation has expired. Ask your physio to send a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Create the athlete's account from an open invitation, once."""
    invitation = invitation_from_token(token)
    invitation = (
        AthleteInvitation.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=invitation.pk)
    )
    if invitation.state != "open":
        raise InvitationError(
            _("This invitation has already been used. Sign in with your e-mail and password.")
        )
    patient = invitation.patient
    User = get_user_model()
    if patient.user_id is not None or User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationError(
            _("An account already exists for this e-mail address. Sign in with it.")
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                invitation.email,
                password,
                first_name=patient.first_name,
                last_name=patient.last_name,
            )
    except IntegrityError as exc:
        raise InvitationError(
            _("An account already exists for this e-mail address. Sign in with it.")
        ) from exc
    membership_add(user=user, clinic=patient.clinic, role=Role.ATHLETE)
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
