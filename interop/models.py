"""Research consent per patient, and the clinic's bulk FHIR exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from rtr.accounts.models import Clinic, Membership, PublicIdModel, Role


class ResearchConsent(PublicIdModel):
    """The patient's consent to their de-identified data being used for research.

    Separate from the consent to care (Patient.consent_given_at): only patients with a consent
    that is given and not withdrawn enter the research export.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="research_consent"
    )
    given_at = models.DateTimeField(_("research consent given at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("research consent")
        verbose_name_plural = _("research consents")

    def __str__(self) -> str:
        return f"research consent of patient {self.patient_id}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class BulkExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready to download")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


class BulkExportQuerySet(models.QuerySet["BulkExport"]):
    def visible_to(self, membership: object) -> BulkExportQuerySet:
        """A clinic's bulk exports: its lead only (tenancy.py)."""
        if not isinstance(membership, Membership) or membership.role != Role.LEAD:
            return self.none()
        return self.filter(clinic_id=membership.clinic_id)


class BulkExport(PublicIdModel):
    """A clinic-level FHIR Bulk Data export for a date range, built by a Celery task.

    The archive (the Bulk Data manifest and one NDJSON file per resource type) is kept until it
    is downloaded, once, or until it expires; then it is deleted.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="bulk_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BulkExportStatus.choices,
        default=BulkExportStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("patients to export"), default=0)
    done = models.PositiveIntegerField(_("patients exported"), default=0)
    counts = models.JSONField(_("resources by type"), default=dict, blank=True)
    archive = models.BinaryField(null=True, editable=False)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = BulkExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk export")
        verbose_name_plural = _("bulk exports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="bulk_range"),
        ]

    def __str__(self) -> str:
        return f"bulk export {self.start}–{self.end} of clinic {self.clinic_id}"

    @property
    def percent(self) -> int:
        if self.status in {BulkExportStatus.READY, BulkExportStatus.DOWNLOADED}:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == BulkExportStatus.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
