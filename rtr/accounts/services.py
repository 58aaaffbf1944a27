"""Writes for accounts: users, clinics and memberships."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import STAFF_ROLES, Clinic, Membership, Role, User


@transaction.atomic
def membership_add(*, user: User, clinic: Clinic, role: str) -> Membership:
    """Give a user a role in a clinic. An athlete belongs to one clinic and holds no staff role."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    existing = list(Membership.objects.select_for_update().filter(user=user))
    if role == Role.ATHLETE and any(
        m.clinic_id != clinic.pk or m.role != Role.ATHLETE for m in existing
    ):
        raise ValidationError(
            _("An athlete account belongs to one clinic only and holds no staff role.")
        )
    if role in STAFF_ROLES and any(m.role == Role.ATHLETE for m in existing):
        raise ValidationError(_("An athlete account cannot also hold a staff role."))
    membership, _created = Membership.objects.update_or_create(
        user=user, clinic=clinic, defaults={"role": role, "is_active": True}
    )
    return membership


@transaction.atomic
def clinic_details_set(*, clinic: Clinic, **details: str) -> Clinic:
    """The clinic's name, contact details and distance unit (audited, as every clinic change)."""
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    for name in ("name", "address", "phone", "contact_email", "distance_unit"):
        if name in details:
            setattr(clinic, name, details[name].strip())
    clinic.full_clean()
    clinic.save()
    return clinic


@transaction.atomic
def clinic_two_factor_set(*, clinic: Clinic, clinicians_need_two_factor: bool) -> Clinic:
    """Whether the clinic's physios and coaches must sign in with a second factor (leads
    always do). Audited through django-auditlog, like every change to a clinic."""
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if clinic.clinicians_need_two_factor != clinicians_need_two_factor:
        clinic.clinicians_need_two_factor = clinicians_need_two_factor
        clinic.save(update_fields=["clinicians_need_two_factor"])
    return clinic
