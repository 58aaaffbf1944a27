"""Protocol templates (versioned, staged, criteria-gated) and the individual plans copied from them.

A plan's stages and steps are a private copy of the template version it was assigned from:
the copy is itself a `ProtocolTemplate` row with `is_plan_copy=True`, so the same stage and
step editors serve both, and later edits of the library never reach an assigned plan.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.bsi import FredericsonGrade, KaedingMillerGrade, RiskCategory
from patients.models import Patient
from rtr.accounts.models import Clinic, Membership, PublicIdModel

if TYPE_CHECKING:
    from collections.abc import Iterable


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Trigger(models.TextChoices):
    """Check-in findings a stage uses to hold, regress or stop (domain.md §3.4, §4)."""

    PAIN_DURING_OVER_2 = "pain_during_over_2", _("Site pain during the run above 2/10")
    PAIN_NEXT_DAY = "pain_next_day", _("Pain persisting to the next day / next-morning pain up")
    SWELLING_AFTER = "swelling_after", _("Swelling or stiffness after the run")
    SLEEP_SHORT = "sleep_short", _("Short sleep on 3 of the last 7 nights")
    FAILED_STAGE_TWICE = "failed_stage_twice", _("Same stage failed twice")
    PAIN_WITH_WALKING = "pain_with_walking", _("Pain with walking or daily activities")
    NEW_FOCAL_TENDERNESS = "new_focal_tenderness", _("New focal bony tenderness")
    NIGHT_PAIN = "night_pain", _("Night pain")
    REST_PAIN = "rest_pain", _("Pain at rest")
    GROIN_PAIN = "groin_pain", _("Groin or anterior hip pain")


class TemplateQuerySet(models.QuerySet["ProtocolTemplate"]):
    def library(self) -> TemplateQuerySet:
        return self.filter(is_plan_copy=False)

    def visible_to(self, membership: Membership | None) -> TemplateQuerySet:
        """Clinical staff see their clinic's templates and the shared library (tenancy.py)."""
        if membership is None or not membership.is_clinical:
            return self.none()
        return self.library().filter(Q(clinic_id=membership.clinic_id) | Q(clinic__isnull=True))

    def assignable(self) -> TemplateQuerySet:
        return self.filter(status=TemplateStatus.PUBLISHED)


class ProtocolTemplate(PublicIdModel):
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="protocol_templates",
        help_text=_("Empty for the shared, read-only library."),
    )
    family = models.UUIDField(
        _("template family"), default=uuid.uuid4, editable=False, db_index=True
    )
    code = models.SlugField(_("library code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    summary = models.TextField(_("summary"), blank=True)
    eligible_sites = models.JSONField(
        _("eligible sites"), default=list, blank=True, help_text=_("Empty: any site.")
    )
    excluded_sites = models.JSONField(_("excluded sites"), default=list, blank=True)
    eligible_risk = models.CharField(
        _("eligible orthopaedic risk"), max_length=8, choices=RiskCategory.choices, blank=True
    )
    max_fredericson_grade = models.CharField(
        _("highest Fredericson grade"), max_length=2, choices=FredericsonGrade.choices, blank=True
    )
    max_kaeding_miller_grade = models.CharField(
        _("highest Kaeding–Miller grade"),
        max_length=3,
        choices=KaedingMillerGrade.choices,
        blank=True,
    )
    exclude_displaced = models.BooleanField(_("not for displaced fractures"), default=False)
    max_fracture_extent_pct = models.PositiveSmallIntegerField(
        _("highest femoral-neck fracture extent (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    requires_specialist_signoff = models.BooleanField(_("needs specialist sign-off"), default=False)
    duration_min_weeks = models.PositiveSmallIntegerField(
        _("expected duration from (weeks)"), validators=[MinValueValidator(1)]
    )
    duration_max_weeks = models.PositiveSmallIntegerField(
        _("expected duration to (weeks)"), validators=[MinValueValidator(1)]
    )
    evidence = models.TextField(_("evidence references"), blank=True)
    is_plan_copy = models.BooleanField(default=False, editable=False)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("protocol template")
        verbose_name_plural = _("protocol templates")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "version"], name="template_one_row_per_version"
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(status="draft", is_plan_copy=False),
                name="template_one_draft_per_family",
            ),
            models.CheckConstraint(
                condition=Q(duration_min_weeks__lte=models.F("duration_max_weeks")),
                name="template_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_shared(self) -> bool:
        return self.clinic_id is None

    @property
    def is_editable(self) -> bool:
        return self.status == TemplateStatus.DRAFT and not self.is_shared


class ContentQuerySet(models.QuerySet[Any]):
    """Stages, steps and criteria: visible to clinical staff when their template is the clinic's
    (library or a plan's copy) or the shared library's (tenancy.py)."""

    template_path = "template"

    def visible_to(self, membership: Membership | None) -> ContentQuerySet:
        if membership is None or not membership.is_clinical:
            return self.none()
        return self.filter(
            Q(**{f"{self.template_path}__clinic_id": membership.clinic_id})
            | Q(**{f"{self.template_path}__clinic__isnull": True})
        )


class StageQuerySet(ContentQuerySet):
    template_path = "template"


class StepQuerySet(ContentQuerySet):
    template_path = "stage__template"


class Stage(PublicIdModel):
    template = models.ForeignKey(ProtocolTemplate, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    goals = models.TextField(_("goals"), blank=True)
    duration_min_weeks = models.PositiveSmallIntegerField(
        _("typical duration from (weeks)"), validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    duration_max_weeks = models.PositiveSmallIntegerField(
        _("typical duration to (weeks)"), validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    session_days_per_week = models.PositiveSmallIntegerField(
        _("session days a week"),
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("Days with the stage's walking or running session."),
    )
    no_back_to_back = models.BooleanField(_("no back-to-back run days"), default=True)
    rest_days_per_week = models.PositiveSmallIntegerField(
        _("rest days a week"), default=1, validators=[MaxValueValidator(6)]
    )
    cross_training = models.TextField(_("cross-training"), blank=True)
    strength = models.TextField(_("strength work"), blank=True)
    balance = models.TextField(_("balance / proprioception"), blank=True)
    max_weekly_run_minutes = models.PositiveSmallIntegerField(
        _("weekly running cap (minutes)"), null=True, blank=True
    )
    max_single_run_minutes = models.PositiveSmallIntegerField(
        _("longest single run (minutes)"), null=True, blank=True
    )
    cadence_cue = models.CharField(_("cadence or technique cue"), max_length=200, blank=True)
    requires_specialist_signoff = models.BooleanField(
        _("needs specialist sign-off to enter"),
        default=False,
        help_text=_(
            "A sports physician or orthopaedic specialist must sign off before the plan enters "
            "this stage (high-risk sites: loading and running after imaging shows healing)."
        ),
    )
    hold_triggers = models.JSONField(_("hold triggers"), default=list, blank=True)
    regress_triggers = models.JSONField(_("regress triggers"), default=list, blank=True)
    stop_triggers = models.JSONField(_("stop and review triggers"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = StageQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="stage_order_unique"),
            models.CheckConstraint(
                condition=Q(duration_min_weeks__lte=models.F("duration_max_weeks")),
                name="stage_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @staticmethod
    def trigger_labels(codes: Iterable[str]) -> list[str]:
        return [str(Trigger(code).label) for code in codes if code in Trigger.values]

    @property
    def hold_labels(self) -> list[str]:
        return self.trigger_labels(self.hold_triggers)

    @property
    def regress_labels(self) -> list[str]:
        return self.trigger_labels(self.regress_triggers)

    @property
    def stop_labels(self) -> list[str]:
        return self.trigger_labels(self.stop_triggers)


class CriterionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    NUMERIC = "numeric", _("Number")


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "≥"
    AT_MOST = "lte", "≤"


class Measure(models.TextChoices):
    """What the check-ins can tell about a criterion (computed over the last 14 days)."""

    ADL_PAIN_FREE = "adl_pain_free", _("No pain at rest or with walking")
    NO_TENDERNESS = "no_tenderness", _("No focal tenderness reported")
    NO_SWELLING = "no_swelling", _("No swelling reported")
    LONGEST_PAIN_FREE_WALK = "longest_pain_free_walk", _("Longest pain-free walk (minutes)")
    PAIN_FREE_WALKS_30 = "pain_free_walks_30", _("Pain-free walks of 30 minutes or more")
    PAIN_FREE_RUNS_30 = "pain_free_runs_30", _("Pain-free continuous runs of 30 minutes or more")
    PAIN_FREE_SESSIONS = "pain_free_sessions", _("Sessions done as prescribed, pain-free")
    NO_NEXT_MORNING_RISE = "no_next_morning_rise", _("No rise in next-morning pain")


class EntryCriterion(PublicIdModel):
    """One item of a stage's entry checklist, with its source."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("criterion"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=8, choices=CriterionKind.choices, default=CriterionKind.YES_NO
    )
    comparator = models.CharField(
        _("comparison"), max_length=3, choices=Comparator.choices, blank=True
    )
    threshold = models.DecimalField(
        _("threshold"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)
    measure = models.CharField(
        _("measured from check-ins"),
        max_length=30,
        choices=Measure.choices,
        blank=True,
        help_text=_("Lets the plan page propose whether the criterion is met."),
    )

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry criterion")
        verbose_name_plural = _("entry criteria")
        ordering = ["stage", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "order"], name="criterion_order_unique"),
            models.CheckConstraint(
                condition=Q(kind="yes_no") | (Q(threshold__isnull=False) & ~Q(comparator="")),
                name="criterion_numeric_has_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def requirement(self) -> str:
        if self.kind == CriterionKind.NUMERIC and self.threshold is not None:
            return f"{self.get_comparator_display()} {self.threshold.normalize():f} {self.unit}".strip()
        return ""

    def is_met_by(self, value: Any) -> bool:
        """Whether an answer meets the criterion: True for yes/no, a number for numeric."""
        if self.kind == CriterionKind.YES_NO:
            return value is True
        if value is None or self.threshold is None:
            return False
        number = Decimal(str(value))
        return (
            number >= self.threshold
            if self.comparator == Comparator.AT_LEAST
            else number <= self.threshold
        )


class StepKind(models.TextChoices):
    WALK_RUN = "walk_run", _("Walking / running")
    CROSS_TRAINING = "cross_training", _("Cross-training (no impact)")


class SessionStep(PublicIdModel):
    """One rung of a stage's session ladder, e.g. walk 3 min / run 1 min x 5.

    Non-weight-bearing stages prescribe cross-training minutes instead (kind cross_training).
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=StepKind.choices, default=StepKind.WALK_RUN
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    walk_minutes = models.DecimalField(
        _("walk (min)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    run_minutes = models.DecimalField(
        _("run (min)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    cross_training_minutes = models.PositiveSmallIntegerField(
        _("cross-training (min)"), default=0, validators=[MaxValueValidator(300)]
    )
    repetitions = models.PositiveSmallIntegerField(
        _("repetitions"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    target_rpe = models.PositiveSmallIntegerField(
        _("target RPE (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    surface_note = models.CharField(_("surface"), max_length=120, blank=True)
    completions_to_advance = models.PositiveSmallIntegerField(
        _("pain-free completions to advance"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    source = models.CharField(_("source"), max_length=120, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("session step")
        verbose_name_plural = _("session steps")
        ordering = ["stage", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "order"], name="step_order_unique"),
            models.CheckConstraint(
                condition=(Q(kind="walk_run") & (Q(walk_minutes__gt=0) | Q(run_minutes__gt=0)))
                | (Q(kind="cross_training") & Q(cross_training_minutes__gt=0)),
                name="step_has_walk_or_run",
            ),
            models.CheckConstraint(
                condition=Q(walk_minutes__gte=0) & Q(run_minutes__gte=0),
                name="step_minutes_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(repetitions__gte=1), name="step_repetitions_positive"
            ),
            models.CheckConstraint(
                condition=Q(completions_to_advance__gte=1), name="step_completions_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.describe()

    def describe(self) -> str:
        if self.kind == StepKind.CROSS_TRAINING:
            return str(
                _("cross-training %(minutes)s min (no impact)")
                % {"minutes": self.cross_training_minutes}
            )
        walk, run = self.walk_minutes.normalize(), self.run_minutes.normalize()
        if run and walk:
            body = _("walk %(walk)s min / run %(run)s min") % {
                "walk": f"{walk:f}",
                "run": f"{run:f}",
            }
        elif run:
            body = _("run %(run)s min") % {"run": f"{run:f}"}
        else:
            body = _("brisk walk %(walk)s min") % {"walk": f"{walk:f}"}
        return f"{body} × {self.repetitions}" if self.repetitions > 1 else str(body)

    @property
    def total_minutes(self) -> Decimal:
        if self.kind == StepKind.CROSS_TRAINING:
            return Decimal(self.cross_training_minutes)
        return (self.walk_minutes + self.run_minutes) * self.repetitions

    @property
    def run_total_minutes(self) -> Decimal:
        return self.run_minutes * self.repetitions

    @property
    def is_running(self) -> bool:
        return self.run_minutes > 0


# --- Plans -------------------------------------------------------------------------------------


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

    def next_stage(self) -> Stage | None:
        """The stage after the current one, or None on the last stage (or before confirming)."""
        if self.current_stage is None:
            return None
        return (
            self.content.stages.filter(order__gt=self.current_stage.order)
            .prefetch_related("criteria")
            .order_by("order")
            .first()
        )


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
