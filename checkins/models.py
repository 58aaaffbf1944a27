"""The athlete's daily check-in, and the sign-in links that open it.

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

from patients.models import CareTeamMember, Patient
from protocols.models import Plan
from rtr.accounts.models import Membership, PublicIdModel, Role


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


# --- Warning signs: flags, notifications, per-clinic rule settings -----------------------------


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# The one order of severities (Severity's own, info lowest); most severe first for the queue.
SEVERITY_RANK: dict[str, int] = {severity.value: rank for rank, severity in enumerate(Severity)}
SEVERITY_DESC: list[str] = sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=True)


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_FLAG_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class FlagQuerySet(models.QuerySet["Flag"]):
    def visible_to(self, membership: Membership | None) -> FlagQuerySet:
        """The one rule for who sees a flag (tenancy.py), on every flag page and section:
        flags are clinical; a lead sees all of the clinic's, a physio their own patients'
        (assigned, or on the care team).

        The physio's patient ids are read once (kept on the membership, as cached_property
        does) and given to PostgreSQL as a list, so it reads their flags through the patient
        index: `make bench` showed it otherwise sorting every open flag of the clinic first.
        """
        if membership is None or not membership.is_clinical:
            return self.none()
        flags = self.filter(clinic_id=membership.clinic_id)
        if membership.role == Role.PHYSIO:
            cache, user_id = membership.__dict__, membership.user_id
            if "own_patient_ids" not in cache:
                on_team = CareTeamMember.objects.filter(user_id=user_id).values("patient_id")
                own = Q(assigned_physio_id=user_id) | Q(pk__in=on_team)
                cache["own_patient_ids"] = list(
                    Patient.objects.filter(own, clinic_id=membership.clinic_id).values_list(
                        "pk", flat=True
                    )
                )
            flags = flags.filter(patient_id__in=cache["own_patient_ids"])
        return flags

    def open(self) -> FlagQuerySet:
        return self.filter(status__in=OPEN_FLAG_STATUSES)


class Flag(PublicIdModel):
    """A warning sign raised by a rule: at most one open flag per patient and rule."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="flags")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="flags")
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    rule_code = models.CharField(_("rule"), max_length=40)
    rule_version = models.PositiveSmallIntegerField(_("rule version"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=14, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    summary = models.CharField(_("summary"), max_length=300)
    evidence = models.JSONField(_("evidence"), default=list)
    thresholds = models.JSONField(_("thresholds used"), default=dict)
    first_seen_date = models.DateField(_("first seen"))
    last_evidence_date = models.DateField(_("latest evidence"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_flags",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule_code"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="flag_one_open_per_patient_rule",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "status", "-opened_at"], name="flag_clinic_status_opened"
            ),
            models.Index(
                fields=["patient", "rule_code", "-last_evidence_date"],
                name="flag_patient_rule_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} ({self.severity}) for patient {self.patient_id}"

    def get_additional_data(self) -> dict[str, object]:
        """For the audit log: which patient's history the change belongs to."""
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FLAG_STATUSES


class NotificationKind(models.TextChoices):
    FLAG = "flag", _("Flag")
    REMINDER = "reminder", _("Check-in reminder")
    DIGEST = "digest", _("Daily digest")
    DECISION = "decision", _("Decision on a flag")
    PLAN = "plan", _("Change to the plan")  # issue 21: push only, to the athlete


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In the app")
    PUSH = "push", _("Notification on a device")  # issue 21 (checkins/warning_signs/push.py)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def in_app_for(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user, channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(PublicIdModel):
    """One message to one person on one channel; written in the same transaction as its cause
    (the outbox), sent by a task. Unique per flag, recipient, channel and reason (raised or
    escalated), and per recipient, kind, channel and day for reminders and digests."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    flag = models.ForeignKey(
        Flag, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    reason = models.CharField(max_length=30, blank=True)
    day = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "recipient", "channel", "reason"],
                condition=Q(flag__isnull=False),
                name="notification_once_per_flag",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "day"],
                condition=Q(flag__isnull=True, day__isnull=False),
                name="notification_once_per_day",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["channel", "sent_at"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} by {self.channel}"


class RuleSetting(models.Model):
    """A clinic's choice for one rule: on or off, and its thresholds (within the rule's bounds)."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="rule_settings"
    )
    rule_code = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    params = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "rule_code"], name="rulesetting_one_per_clinic_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} for clinic {self.clinic_id}"


class RuleSettingChange(models.Model):
    """Every change of a clinic's rule settings: who, when, old and new."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="rule_setting_changes"
    )
    rule_code = models.CharField(max_length=40)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    old = models.JSONField()
    new = models.JSONField()

    class Meta:
        verbose_name = _("rule setting change")
        verbose_name_plural = _("rule setting changes")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.rule_code} changed {self.changed_at:%Y-%m-%d}"


class FlagAction(models.TextChoices):
    """What a clinician does to resolve a flag; the first three change the plan (design.md §1 journey 3)."""

    HOLD = "hold", _("Hold the stage")
    REGRESS = "regress", _("Regress one stage")
    PAUSE = "pause", _("Pause the plan")
    REFER = "refer", _("Refer for imaging or specialist review")
    CONTACT = "contact", _("Contact the athlete")
    NO_ACTION = "no_action", _("No action needed")


PLAN_ACTIONS = {FlagAction.HOLD: "hold", FlagAction.REGRESS: "regress", FlagAction.PAUSE: "pause"}


class FlagNote(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("flag note")
        verbose_name_plural = _("flag notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note on flag {self.flag_id}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.flag.patient.public_id), "clinic": self.flag.patient.clinic_id}


# --- Offline check-ins and push notifications (issue 21; logic in offline.py and push.py) ------


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


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("By e-mail")
    PUSH = "push", _("As a notification on my phone")


class PushSubscription(models.Model):
    """One browser's Web Push subscription (the endpoint and keys its push service gave it),
    and what its owner chose to be told on it. Removed when the push service says it is gone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    reminders = models.BooleanField(_("check-in reminders"), default=False)
    plan_changes = models.BooleanField(_("changes to my plan"), default=False)
    urgent_flags = models.BooleanField(_("urgent flags"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"


class ReminderPreference(models.Model):
    """How a person wants their daily check-in reminder: e-mail (the default) or push."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    channel = models.CharField(
        _("send my reminders"),
        max_length=8,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
    )

    def __str__(self) -> str:
        return f"{self.user_id}: reminders {self.channel}"
