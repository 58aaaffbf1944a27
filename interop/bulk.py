"""The clinic's FHIR Bulk Data export for a date range (hl7.org/fhir/uv/bulkdata).

The archive holds the Bulk Data output manifest (`manifest.json`) and one NDJSON file per
resource type (`Patient.ndjson`, `Condition.ndjson`...), one resource per line. The range picks
the patients with a check-in, a diagnosis or a plan in it; their check-ins and flags are those
of the range. Erased patients are left out.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient

from .fhir.bundle import ndjson_lines, patient_resources
from .models import BulkExport, BulkExportStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rtr.accounts.models import Clinic, User

MAX_RANGE_DAYS = 366
EXPIRES_AFTER = timedelta(hours=24)
PROGRESS_EVERY = 25


def validate_range(start: date | None, end: date | None) -> None:
    if start is None or end is None:
        raise ValidationError(_("Give both the first and the last day of the range."))
    if end < start:
        raise ValidationError(_("The last day is before the first day."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(
            _("The range is too long: at most %(days)s days in one export.")
            % {"days": MAX_RANGE_DAYS}
        )
    if start > timezone.localdate():
        raise ValidationError(_("The range starts in the future: there is nothing to export."))


def patients_in_range(clinic: Clinic, start: date, end: date) -> QuerySet[Patient]:
    return (
        Patient.objects.filter(clinic=clinic, erased_at__isnull=True)
        .filter(
            Q(checkins__date__range=(start, end))
            | Q(injuries__diagnosed_on__range=(start, end))
            | Q(plans__start_date__range=(start, end))
        )
        .distinct()
        .order_by("pk")
    )


def bulk_export_request(*, clinic: Clinic, by: User, start: date, end: date) -> BulkExport:
    validate_range(start, end)
    return BulkExport.objects.create(clinic=clinic, requested_by=by, start=start, end=end)


def bulk_export_build(export_id: int) -> None:
    """Build the archive; progress is saved as it goes. Running it again rebuilds the same."""
    job = BulkExport.objects.select_related("clinic").get(pk=export_id)
    if job.status not in (BulkExportStatus.QUEUED, BulkExportStatus.RUNNING):
        return  # already built, downloaded or expired: a repeated task does nothing
    patient_ids = list(
        patients_in_range(job.clinic, job.start, job.end).values_list("pk", flat=True)
    )
    BulkExport.objects.filter(pk=job.pk).update(
        status=BulkExportStatus.RUNNING, total=len(patient_ids), done=0
    )
    files: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for n, patient in enumerate(
        Patient.objects.filter(pk__in=patient_ids).select_related("clinic").order_by("pk"),
        start=1,
    ):
        resources = patient_resources(patient, start=job.start, end=job.end)
        for resource_type, resource_id, line in ndjson_lines(resources):
            key = (resource_type, resource_id)
            if resource_type in ("Organization", "Practitioner") and key in seen:
                continue  # the clinic and its staff once, not once per patient
            seen.add(key)
            files[resource_type].append(line)
        if n % PROGRESS_EVERY == 0:
            BulkExport.objects.filter(pk=job.pk).update(done=n)
    now = timezone.now()
    manifest = {
        "transactionTime": now.isoformat(),
        "request": f"{settings.SITE_URL}/fhir/$export?_since={job.start.isoformat()}",
        "requiresAccessToken": True,
        "output": [
            {"type": t, "url": f"{t}.ndjson", "count": len(lines)}
            for t, lines in sorted(files.items())
        ],
        "error": [],
        "extension": {"rtr-range": {"start": job.start.isoformat(), "end": job.end.isoformat()}},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        for resource_type, lines in sorted(files.items()):
            archive.writestr(f"{resource_type}.ndjson", "\n".join(lines) + "\n")
    BulkExport.objects.filter(pk=job.pk).update(
        status=BulkExportStatus.READY,
        done=len(patient_ids),
        counts={t: len(lines) for t, lines in files.items()},
        archive=buffer.getvalue(),
        finished_at=now,
        expires_at=now + EXPIRES_AFTER,
    )


def bulk_export_fail(export_id: int) -> None:
    BulkExport.objects.filter(
        pk=export_id, status__in=[BulkExportStatus.QUEUED, BulkExportStatus.RUNNING]
    ).update(status=BulkExportStatus.FAILED, archive=None, error="build failed")


class NotDownloadable(Exception):
    pass


def bulk_export_take(export: BulkExport) -> bytes:
    """The archive, once: it is deleted as it is handed over (or when it has expired)."""
    data: bytes | None = None
    with transaction.atomic():
        job = BulkExport.objects.select_for_update().get(pk=export.pk)
        if job.status == BulkExportStatus.READY and not job.is_downloadable:
            job.status, job.archive = BulkExportStatus.EXPIRED, None
            job.save(update_fields=["status", "archive"])
        elif job.status == BulkExportStatus.READY and job.archive is not None:
            data = bytes(job.archive)
            job.status, job.archive, job.downloaded_at = (
                BulkExportStatus.DOWNLOADED,
                None,
                timezone.now(),
            )
            job.save(update_fields=["status", "archive", "downloaded_at"])
    if data is None:
        raise NotDownloadable
    return data


def bulk_exports_expire() -> int:
    """Delete the archives past their expiry (beat, hourly)."""
    return BulkExport.objects.filter(
        status=BulkExportStatus.READY, expires_at__lte=timezone.now()
    ).update(status=BulkExportStatus.EXPIRED, archive=None)
