"""The athlete's daily check-in, the sign-in links that open it, and the receipts that keep a
check-in sent twice from an offline phone saved once.

Field meanings follow `domain.md`: pain scales 0–10 and the warning signs of §3.4 and §4,
load (§5: session RPE, minutes, distance), sleep (§7), energy availability and bone health
(§6), confidence (§8). Check-in contents are health data: never logged, shown only to the
patient's clinic and care team (coaches see adherence only).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from protocols.models import Plan
from rtr.accounts.models import Membership, PublicIdModel


def scale(label: Any, *, null: bool = False) -> Any:
    return models.PositiveSmallIntegerField(
        label, null=null, blank=null, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )


class FocalTenderness(models.TextChoices):
    NONE = "none", _("None")
    SAME = "same", _("Same as before")
    NEW = "new", _("New")


class Swelling(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class SessionDone(models.TextChoices):
    AS_PRESCRIBED = "as_prescribed", _("As prescribed")
    MODIFIED = "modified", _("Modified")
    SKIPPED = "skipped", _("Skipped")
    REST_DAY = "rest_day", _("Rest day")


class MenstrualStatus(models.TextChoices):
    PERIOD = "period", _("Period today")
    NO_PERIOD = "no_period", _("No period today")
    LATE = "late", _("Period late")
    MISSED = "missed", _("Missed a period (no period for over 35 days)")


# The athlete's own view of their recovery: optional, and offered as "same as yesterday" only on
# the athlete's tap. Not answered = not reported (NULL).
SUBJECTIVE_FIELDS = (
    "sleep_hours",
    "sleep_quality",
    "fatigue",
    "stress",
    "fuelling_adequate",
    "calcium_vitd_taken",
    "confidence",
)


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def visible_to(self, membership: Membership | None) -> CheckInQuerySet:
        """Check-ins of the patients the viewer may see (tenancy.py); coach views use only
        adherence fields (see selectors)."""
        return self.filter(patient__in=Patient.objects.visible_to(membership))


class CheckIn(PublicIdModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkins")
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins"
    )
    date = models.DateField(_("date"), help_text=_("The clinic's local date the check-in is for."))
    is_late = models.BooleanField(_("entered late"), default=False)

    # Pain, 0-10 (domain.md §3.4)
    pain_rest = scale(_("pain at rest"))
    pain_during = scale(_("pain during activity"), null=True)
    pain_after = scale(_("pain after activity"), null=True)
    pain_next_morning = scale(_("pain this morning"))
    focal_tenderness = models.CharField(
        _("tender spot on the bone"),
        max_length=8,
        choices=FocalTenderness.choices,
        default=FocalTenderness.NONE,
    )
    swelling = models.CharField(
        _("swelling"), max_length=10, choices=Swelling.choices, default=Swelling.NONE
    )
    night_pain = models.BooleanField(_("pain at night"), default=False)
    pain_with_walking = models.BooleanField(_("pain when walking"), default=False)
    groin_pain = models.BooleanField(_("groin or front-of-hip pain"), default=False)

    # What was done against the prescription (domain.md §5)
    session_done = models.CharField(
        _("today's session"), max_length=16, choices=SessionDone.choices
    )
    run_minutes = models.PositiveSmallIntegerField(
        _("run minutes"), default=0, validators=[MaxValueValidator(300)]
    )
    run_distance_km = models.DecimalField(
        _("run distance (km)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    walk_minutes = models.PositiveSmallIntegerField(
        _("walk minutes"), default=0, validators=[MaxValueValidator(600)]
    )
    cross_training_minutes = models.PositiveSmallIntegerField(
        _("cross-training minutes"), default=0, validators=[MaxValueValidator(600)]
    )
    strength_done = models.BooleanField(_("strength work done"), default=False)
    session_rpe = scale(_("session effort (RPE)"), null=True)
    cadence = models.PositiveSmallIntegerField(
        _("cadence (steps/min)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(100), MaxValueValidator(240)],
    )

    # Recovery and bone health (domain.md §6, §7, §8)
    # Subjective answers are optional: an unanswered one is "not reported" (NULL), never a value,
    # and every rule treats it as missing data.
    sleep_hours = models.DecimalField(
        _("sleep (hours)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(16)],
    )
    sleep_quality = models.PositiveSmallIntegerField(
        _("sleep quality (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    fatigue = scale(_("fatigue"), null=True)
    stress = scale(_("stress"), null=True)
    fuelling_adequate = models.BooleanField(_("ate enough for training"), null=True, blank=True)
    calcium_vitd_taken = models.BooleanField(_("calcium / vitamin D taken"), null=True, blank=True)
    menstrual_status = models.CharField(
        _("menstrual status"), max_length=10, choices=MenstrualStatus.choices, blank=True
    )
    confidence = scale(_("confidence to run"), null=True)
    notes = models.TextField(_("notes"), blank=True, max_length=1000)

    # From a watch, optional
    steps = models.PositiveIntegerField(
        _("steps"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    resting_hr = models.PositiveSmallIntegerField(
        _("resting heart rate"),
        null=True,
        blank=True,
        validators=[MinValueValidator(25), MaxValueValidator(220)],
    )
    hrv_ms = models.PositiveSmallIntegerField(
        _("heart-rate variability (ms)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )

    # What the plan prescribed that day, recorded when the check-in is made.
    prescribed_kind = models.CharField(_("prescribed"), max_length=16, blank=True)
    prescribed_label = models.CharField(_("prescribed session"), max_length=160, blank=True)
    prescribed_run_minutes = models.DecimalField(
        _("prescribed run minutes"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="checkin_one_per_patient_day"),
            models.CheckConstraint(
                condition=Q(pain_rest__lte=10)
                & Q(pain_next_morning__lte=10)
                & (Q(fatigue__isnull=True) | Q(fatigue__lte=10))
                & (Q(stress__isnull=True) | Q(stress__lte=10))
                & (Q(confidence__isnull=True) | Q(confidence__lte=10))
                & (Q(pain_during__isnull=True) | Q(pain_during__lte=10))
                & (Q(pain_after__isnull=True) | Q(pain_after__lte=10))
                & (Q(session_rpe__isnull=True) | Q(session_rpe__lte=10)),
                name="checkin_scales_0_to_10",
            ),
            models.CheckConstraint(
                condition=Q(sleep_quality__isnull=True)
                | (Q(sleep_quality__gte=1) & Q(sleep_quality__lte=5)),
                name="checkin_sleep_quality_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(sleep_hours__isnull=True)
                | (Q(sleep_hours__gte=0) & Q(sleep_hours__lte=16)),
                name="checkin_sleep_hours_range",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-date"], name="checkin_patient_date")]

    def __str__(self) -> str:
        return f"check-in {self.date}"

    @property
    def did_session(self) -> bool:
        return self.session_done in {SessionDone.AS_PRESCRIBED, SessionDone.MODIFIED}


class SignInLink(PublicIdModel):
    """A signed link that signs an athlete in for their check-in; expires and can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_links"
    )
    nonce = models.CharField(max_length=32, editable=False)
    purpose = models.CharField(_("purpose"), max_length=20, default="checkin")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"sign-in link {self.public_id}"


class CheckInReceipt(models.Model):
    """The id the athlete's phone gave a check-in before sending it. Unique: the same check-in
    sent twice (replayed after the phone was offline, a double tap) is saved once."""

    client_id = models.UUIDField(unique=True)
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="receipts")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in receipt")
        verbose_name_plural = _("check-in receipts")

    def __str__(self) -> str:
        return f"receipt {self.client_id} for check-in {self.checkin_id}"
