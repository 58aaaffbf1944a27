"""A run file from the athlete's watch, and the run session read from it (domain.md §5).

The stored file is health data (a GPS track reveals where the athlete lives): kept in the
clinic's private storage, served only to signed-in users of the clinic, never logged, in the
patient's export, and deleted on erasure (the figures stay, de-identified).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkins.models import CheckIn
from patients.models import Patient
from rtr.accounts.models import Membership, PublicIdModel


def run_files_storage() -> Any:
    return storages["run_files"]


def run_file_path(instance: RunImport, filename: str) -> str:
    # No part of the athlete's own file name is kept: it may name them or the place.
    extension = instance.file_format or "bin"
    return f"{instance.patient.clinic.public_id}/{instance.patient.public_id}/{uuid.uuid4()}.{extension}"


class ImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Not imported")


class RunImportQuerySet(models.QuerySet["RunImport"]):
    def visible_to(self, membership: Membership | None) -> RunImportQuerySet:
        """Clinical staff of the clinic, or the athlete themself; coaches never (health data)."""
        if membership is None or membership.role == "coach":
            return self.none()
        return self.filter(patient__in=Patient.objects.visible_to(membership))


class RunImport(PublicIdModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="run_imports")
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="run_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    file = models.FileField(
        _("file"), storage=run_files_storage, upload_to=run_file_path, max_length=200, blank=True
    )
    file_format = models.CharField(_("file type"), max_length=4)
    file_bytes = models.PositiveIntegerField(_("file size (bytes)"))
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.READING
    )
    message = models.CharField(_("message"), max_length=300, blank=True)

    # The run session, as the file has it
    sport = models.CharField(_("sport"), max_length=40, blank=True)
    sub_sport = models.CharField(_("sub-sport"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("start"), null=True, blank=True)
    local_date = models.DateField(_("date"), null=True, blank=True)
    elapsed_s = models.PositiveIntegerField(_("elapsed time (s)"), null=True, blank=True)
    moving_s = models.PositiveIntegerField(_("moving time (s)"), null=True, blank=True)
    run_s = models.PositiveIntegerField(_("running time (s)"), null=True, blank=True)
    walk_s = models.PositiveIntegerField(_("walking time (s)"), null=True, blank=True)
    intervals = models.PositiveSmallIntegerField(_("run intervals"), null=True, blank=True)
    distance_m = models.DecimalField(
        _("distance (m)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    avg_hr = models.PositiveSmallIntegerField(_("average heart rate"), null=True, blank=True)
    max_hr = models.PositiveSmallIntegerField(_("maximum heart rate"), null=True, blank=True)
    cadence_spm = models.DecimalField(
        _("cadence (steps/min)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    max_cadence_spm = models.DecimalField(
        _("maximum cadence (steps/min)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    stance_time_ms = models.DecimalField(
        _("ground contact time (ms)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    vertical_oscillation_mm = models.DecimalField(
        _("vertical oscillation (mm)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    step_length_mm = models.DecimalField(
        _("step length (mm)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    device_rpe = models.DecimalField(
        _("effort on the watch (RPE)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    has_gps = models.BooleanField(_("GPS track"), default=False)
    laps = models.JSONField(_("laps"), default=list, blank=True)

    # What the check-in said before the import filled it (both values are kept).
    typed_run_minutes = models.PositiveSmallIntegerField(
        _("run minutes typed"), null=True, blank=True
    )
    typed_distance_km = models.DecimalField(
        _("distance typed (km)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    objects = RunImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("run file")
        verbose_name_plural = _("run files")
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "sha256"], name="runimport_one_per_file"),
            models.UniqueConstraint(
                fields=["patient", "started_at"],
                condition=Q(status="done"),
                name="runimport_one_per_activity",
            ),
        ]
        indexes = [models.Index(fields=["patient", "local_date"], name="runimport_patient_day")]

    def __str__(self) -> str:
        return f"run file {self.local_date or self.uploaded_at.date()}"

    @property
    def run_minutes(self) -> int | None:
        seconds = self.run_s if self.run_s is not None else self.moving_s
        return None if seconds is None else round(seconds / 60)

    @property
    def walk_minutes(self) -> int | None:
        return None if self.walk_s is None else round(self.walk_s / 60)

    @property
    def distance_km(self) -> Decimal | None:
        if self.distance_m is None:
            return None
        return (Decimal(self.distance_m) / 1000).quantize(Decimal("0.01"))

    @property
    def moving_clock(self) -> str:
        return _clock(self.moving_s)

    @property
    def elapsed_clock(self) -> str:
        return _clock(self.elapsed_s)


def _clock(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
