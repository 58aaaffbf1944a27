"""A patient's plan (the copy of a template they follow), where it stands, and its session days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from rtr.accounts.models import Membership, PublicIdModel

from .stages import SessionStep, Stage
from .templates import ProtocolTemplate

if TYPE_CHECKING:
    from collections.abc import Sequence


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (being adjusted)")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


OPEN_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED)


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, membership: Membership | None) -> PlanQuerySet:
        """A plan is visible to whoever may see its patient (tenancy.py)."""
        return self.filter(patient__in=Patient.objects.visible_to(membership))

    def open(self) -> PlanQuerySet:
        return self.filter(status__in=OPEN_PLAN_STATUSES)


class Plan(PublicIdModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plans")
    source_template = models.ForeignKey(
        ProtocolTemplate, on_delete=models.PROTECT, related_name="assigned_plans"
    )
    content = models.OneToOneField(ProtocolTemplate, on_delete=models.PROTECT, related_name="plan")
    start_date = models.DateField(_("start date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    current_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_step = models.ForeignKey(
        SessionStep, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage_started_on = models.DateField(_("current stage started on"), null=True, blank=True)
    stage_start_step = models.PositiveSmallIntegerField(
        _("step the current stage started at"), default=0
    )
    step_completions = models.PositiveSmallIntegerField(
        _("pain-free completions at this step"), default=0
    )
    step_failures = models.PositiveSmallIntegerField(
        _("painful sessions in a row at this step"), default=0
    )
    steps_counted_from = models.DateField(
        _("sessions count towards the step from"),
        null=True,
        blank=True,
        help_text=_("Set by a hold: completions before it no longer count."),
    )
    eligibility_override_reason = models.TextField(
        _("reason for assigning despite the eligibility warning"), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["draft", "active", "paused"]),
                name="plan_one_open_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content.name} for {self.patient}"

    def get_additional_data(self) -> dict[str, object]:
        """For the audit log: which patient's history the change belongs to."""
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}

    def stage_position(self, stages: Sequence[Stage] | None = None) -> StagePosition:
        """Where the plan stands among its stages: the one before, the current one, the next.

        `stages` are the plan's stages in order, as the caller fetched them (with the steps or
        criteria it goes on to read); without them they are read here.
        """
        if stages is None:
            stages = list(self.content.stages.order_by("order"))
        index = next(
            (i for i, stage in enumerate(stages) if stage.pk == self.current_stage_id), None
        )
        if index is None:
            return StagePosition(
                previous=None, current=None, next=None, index=None, count=len(stages)
            )
        return StagePosition(
            previous=stages[index - 1] if index > 0 else None,
            current=stages[index],
            next=stages[index + 1] if index + 1 < len(stages) else None,
            index=index,
            count=len(stages),
        )

    def next_stage(self) -> Stage | None:
        """The stage after the current one, or None on the last stage (or before confirming),
        with its entry criteria."""
        if self.current_stage_id is None:
            return None
        stages = list(self.content.stages.prefetch_related("criteria").order_by("order"))
        return self.stage_position(stages).next


@dataclass(frozen=True)
class StagePosition:
    """A plan's place in its ladder of stages; before the plan is confirmed it has none."""

    previous: Stage | None
    current: Stage | None
    next: Stage | None
    index: int | None  # of the current stage, counted from 0
    count: int

    @property
    def number(self) -> int | None:
        """The current stage's number as the plan page shows it (from 1)."""
        return None if self.index is None else self.index + 1


class SessionOutcome(models.TextChoices):
    PAIN_FREE = "pain_free", _("Done, pain-free")
    PAINFUL = "painful", _("Done, with pain above the limit or swelling after")
    NEXT_DAY_PAIN = "next_day_pain", _("Pain persisted to the next day")
    MODIFIED = "modified", _("Modified")
    SKIPPED = "skipped", _("Skipped")


class SessionLog(models.Model):
    """What happened on a session day, as the check-in reported it; drives step progression."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="session_logs")
    day = models.DateField(_("day"))
    step = models.ForeignKey(SessionStep, on_delete=models.PROTECT, null=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=SessionOutcome.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        ordering = ["plan", "day"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="sessionlog_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.outcome}"
