"""People and clinics: the custom User (e-mail sign-in), Clinic and Membership (role in a clinic)."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import time
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Iterable


class PublicIdModel(models.Model):
    """A model addressed in URLs by a random UUID, never by its sequential primary key."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """Anyone who signs in: clinic staff and athletes. Signs in with an e-mail address.

    `is_staff` keeps Django's meaning (may use the Django admin); clinic roles live on
    Membership.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    sessions_valid_after = models.DateTimeField(
        _("sessions valid after"),
        null=True,
        blank=True,
        help_text=_('Sessions started before this moment are ended ("sign out everywhere").'),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class DistanceUnit(models.TextChoices):
    KM = "km", _("Kilometres")
    MI = "mi", _("Miles")


class Clinic(PublicIdModel):
    """A practice: owns its patients, templates and settings. Times are shown in its zone,
    distances in its unit; its contact details head the written plan."""

    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    distance_unit = models.CharField(
        _("distances in"), max_length=2, choices=DistanceUnit.choices, default=DistanceUnit.KM
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    reminder_time = models.TimeField(
        _("daily reminder time"),
        default=time(18, 0),
        help_text=_("Local time at which athletes without a check-in get their reminder."),
    )
    clinicians_need_two_factor = models.BooleanField(
        _("physios and coaches must use two-factor sign-in"),
        default=True,
        help_text=_(
            "Clinic leads always sign in with a code from an authenticator app; this decides "
            "whether physiotherapists and coaches must too. Athletes never need it."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    LEAD = "lead", _("Clinic lead")
    PHYSIO = "physio", _("Physiotherapist")
    COACH = "coach", _("Coach")
    ATHLETE = "athlete", _("Athlete")


STAFF_ROLES: frozenset[str] = frozenset({Role.LEAD, Role.PHYSIO, Role.COACH})
CLINICAL_ROLES: frozenset[str] = frozenset(
    {Role.LEAD, Role.PHYSIO}
)  # may read and change clinical data


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True)

    def staff(self) -> MembershipQuerySet:
        return self.filter(role__in=STAFF_ROLES)

    def of_roles(self, roles: Iterable[str]) -> MembershipQuerySet:
        return self.filter(role__in=list(roles))

    def visible_to(self, membership: Membership | None) -> MembershipQuerySet:
        """The members of the viewer's current clinic (tenancy scoping, see tenancy.py)."""
        if membership is None:
            return self.none()
        return self.filter(clinic_id=membership.clinic_id)


class Membership(PublicIdModel):
    """A user's role in one clinic. Staff may belong to several clinics; an athlete to one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["clinic__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"], name="membership_one_per_user_clinic"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role="athlete"),
                name="membership_athlete_in_one_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_athlete(self) -> bool:
        return self.role == Role.ATHLETE

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def is_clinical(self) -> bool:
        """Physios and leads read and change clinical data; coaches only read what they are shown."""
        return self.role in CLINICAL_ROLES
