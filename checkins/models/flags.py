"""Warning signs: flags, their notes, and each clinic's rule settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import CareTeamMember, Patient
from protocols.models import Plan
from rtr.accounts.models import Membership, PublicIdModel, Role


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
