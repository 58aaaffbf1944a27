"""A template's content: its stages, each with an entry checklist and a ladder of session steps.

The same rows serve the library and a plan's private copy; tenancy follows the template.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rtr.accounts.models import Membership, PublicIdModel

from .templates import ProtocolTemplate

if TYPE_CHECKING:
    from collections.abc import Iterable


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

    @property
    def week_in_words(self) -> str:
        """The week's seven days, counted so that they add up: "3 session days (never two in a
        row), 1 rest day, 3 days for cross-training or strength"."""
        sessions, rest = self.session_days_per_week, self.rest_days_per_week
        other = max(0, 7 - sessions - rest)
        parts = [ngettext("%(n)s session day", "%(n)s session days", sessions) % {"n": sessions}]
        if self.no_back_to_back and sessions > 1:
            parts[0] += " " + str(_("(never two in a row)"))
        parts.append(ngettext("%(n)s rest day", "%(n)s rest days", rest) % {"n": rest})
        if other:
            parts.append(
                ngettext(
                    "%(n)s day for cross-training or strength",
                    "%(n)s days for cross-training or strength",
                    other,
                )
                % {"n": other}
            )
        return ", ".join(parts)


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
        """The bar as a clinician says it: "at most 2/10", "at least 30 min", "pain-free (0/10)"."""
        if self.kind != CriterionKind.NUMERIC or self.threshold is None:
            return ""
        number = f"{self.threshold.normalize():f}"
        amount = f"{number}{self.unit}" if self.unit.startswith("/") else f"{number} {self.unit}"
        amount = amount.strip()
        if self.comparator == Comparator.AT_MOST:
            if self.threshold == 0 and self.unit == "/10":
                return str(_("pain-free (0/10)"))
            return str(_("at most %(amount)s")) % {"amount": amount}
        return str(_("at least %(amount)s")) % {"amount": amount}

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
