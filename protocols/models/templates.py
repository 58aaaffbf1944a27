"""Protocol templates: a versioned family of stages, read-only when published or shared.

A plan's stages and steps are a private copy of the template version it was assigned from:
the copy is itself a `ProtocolTemplate` row with `is_plan_copy=True`, so the same stage and
step editors serve both, and later edits of the library never reach an assigned plan.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.bsi import FredericsonGrade, KaedingMillerGrade, RiskCategory
from rtr.accounts.models import Clinic, Membership, PublicIdModel


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class TemplateQuerySet(models.QuerySet["ProtocolTemplate"]):
    def library(self) -> TemplateQuerySet:
        return self.filter(is_plan_copy=False)

    def visible_to(self, membership: Membership | None) -> TemplateQuerySet:
        """Clinical staff see their clinic's templates and the shared library (tenancy.py)."""
        return self.library().content_visible_to(membership)

    def content_visible_to(self, membership: Membership | None) -> TemplateQuerySet:
        """As `visible_to`, and the clinic's plans' copies too: the stage editor serves both."""
        if membership is None or not membership.is_clinical:
            return self.none()
        return self.filter(Q(clinic_id=membership.clinic_id) | Q(clinic__isnull=True))

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
