"""What clinicians decide on a plan and the specialists' sign-offs they record: both kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rtr.accounts.models import PublicIdModel

from .plans import Plan
from .stages import Stage


class DecisionKind(models.TextChoices):
    START = "start", _("Start")
    ADVANCE = "advance", _("Advance to the next stage")
    HOLD = "hold", _("Hold the stage")
    REGRESS = "regress", _("Regress one stage")
    PAUSE = "pause", _("Pause the plan")
    RESUME = "resume", _("Resume the plan")
    GRADUATE = "graduate", _("Graduate: return to sport")
    STOP = "stop", _("Stop the plan")


class StageDecision(PublicIdModel):
    """A clinician's decision on the plan, with the criteria they checked and why; kept."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criteria_met = models.JSONField(_("criteria checked"), default=list, blank=True)
    rationale = models.TextField(_("rationale"))
    override_reason = models.TextField(
        _("reason for deciding with criteria unmet"),
        blank=True,
        help_text=_("Kept when a plan moves forward although entry criteria were not met."),
    )
    # The only words of a decision the athlete and their coach read; the rationale is clinical
    # reasoning for the care team (physios and leads) alone.
    shared_note = models.TextField(_("note for the athlete and coach"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stage decision")
        verbose_name_plural = _("stage decisions")
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.decided_at:%Y-%m-%d})"

    def get_additional_data(self) -> dict[str, object]:
        """For the audit log: which patient's history the change belongs to."""
        return {"patient": str(self.plan.patient.public_id), "clinic": self.plan.patient.clinic_id}

    @property
    def unmet_criteria(self) -> list[str]:
        return [str(item.get("text", "")) for item in self.criteria_met if not item.get("met")]

    @property
    def criteria_summary(self) -> str:
        if not self.criteria_met:
            return ""
        met = sum(1 for item in self.criteria_met if item.get("met"))
        return f"{met}/{len(self.criteria_met)}"


class SpecialistSignOff(PublicIdModel):
    """A specialist's sign-off recorded on a plan: for the plan as a whole (stage empty: needed
    before a template that requires it is confirmed) or for entering one stage.

    High-risk sites need specialist involvement before any loading plan, and imaging evidence
    of healing with specialist sign-off before running (George et al. 2024 scoping review).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="signoffs")
    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    specialist = models.CharField(
        _("specialist"),
        max_length=160,
        help_text=_("Name and role, e.g. Dr A. Khan, orthopaedic surgeon."),
    )
    signed_on = models.DateField(_("signed off on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("specialist sign-off")
        verbose_name_plural = _("specialist sign-offs")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "stage"], name="signoff_one_per_plan_stage"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(stage__isnull=True), name="signoff_one_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specialist} ({self.signed_on:%Y-%m-%d})"

    def get_additional_data(self) -> dict[str, object]:
        """For the audit log: which patient's history the change belongs to."""
        return {"patient": str(self.plan.patient.public_id), "clinic": self.plan.patient.clinic_id}
