"""The care team's coordination around a patient: review dates and tasks, the physio–coach
timeline, and the athlete's support contacts (with their agreement recorded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rtr.accounts.models import PublicIdModel

from .registry import Patient

if TYPE_CHECKING:
    from rtr.accounts.models import Membership


class TaskKind(models.TextChoices):
    REVIEW = "review", _("Review the plan")
    IMAGING = "imaging", _("Imaging follow-up")
    SIGNOFF = "signoff", _("Specialist sign-off")


class CareTaskQuerySet(models.QuerySet["CareTask"]):
    def visible_to(self, membership: Membership | None) -> CareTaskQuerySet:
        if membership is None or not membership.is_clinical:
            return self.none()  # the tasks' notes are clinical: physios and leads only
        return self.filter(patient__clinic_id=membership.clinic_id)

    def open(self) -> CareTaskQuerySet:
        return self.filter(done_at__isnull=True)


class CareTask(PublicIdModel):
    """Something the care team must do by a date: review a plan put on hold or paused, follow
    up imaging after a referral, obtain a specialist's sign-off. The note is for clinicians;
    a coach sees only the kind and the date of a review."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=10, choices=TaskKind.choices)
    due_on = models.DateField(_("due on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CareTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["patient", "done_at", "due_on"], name="caretask_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.due_on}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}


class TeamMessage(PublicIdModel):
    """A message on the timeline the physio and the coach share about one athlete. Both read
    everything on it, so it never carries check-in contents; it is audited."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="team_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team message")
        verbose_name_plural = _("team messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"message on {self.patient_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}


class SupportRelationship(models.TextChoices):
    FAMILY = "family", _("Family member")
    TEAM = "team", _("Team staff")
    OTHER = "other", _("Other")


class SupportContactQuerySet(models.QuerySet["SupportContact"]):
    def visible_to(self, membership: Membership | None) -> SupportContactQuerySet:
        if membership is None or not membership.is_clinical:
            return self.none()  # a family member's details: the clinical team only
        return self.filter(patient__clinic_id=membership.clinic_id)


class SupportContact(PublicIdModel):
    """Someone who supports the athlete (a parent, a partner, the team's staff) and may, with
    the athlete's agreement, receive their written plan by e-mail and a copy of their daily
    check-in reminder. The agreement is recorded: when, and by whom on the care team."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="support_contacts")
    name = models.CharField(_("name"), max_length=120)
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=SupportRelationship.choices
    )
    email = models.EmailField(_("e-mail"))
    gets_written_plan = models.BooleanField(_("may receive the written plan"), default=False)
    gets_reminders = models.BooleanField(
        _("gets a copy of the daily check-in reminder"), default=False
    )
    consent_on = models.DateField(_("the athlete agreed on"))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupportContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("support contact")
        verbose_name_plural = _("support contacts")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "email"], name="support_contact_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}
