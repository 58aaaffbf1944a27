"""Run-file import: validate the upload, read it in a limited child process, file the session,
and fill the day's check-in from it (the typed values are kept on the import)."""

from __future__ import annotations

import hashlib
import struct
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from celery import signature
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from checkins.models import CheckIn
from patients.models import Patient

from . import parsing, sandbox
from .models import ImportStatus, RunImport

IMPORT_TASK = "loads.import_run_file"

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from rtr.accounts.models import User

EXTENSIONS = {"fit", "gpx", "tcx"}
# Two files whose start is this close are the same activity (a FIT and its GPX export).
SAME_ACTIVITY = timedelta(minutes=2)


def max_bytes() -> int:
    return int(settings.RTR_RUN_FILE_MAX_BYTES)


def validate_upload(upload: UploadedFile[bytes]) -> tuple[str, bytes]:
    """The file's format and bytes, or ValidationError saying why it is refused.

    Checked before any parser sees it: size (from the upload's length, before reading), no
    compressed archives (a zip bomb never reaches a decompressor), name and content agree, and
    the container's own structure (FIT header and length; XML without entity declarations).
    """
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("This file is too large (the limit is %(mb)d MB). A run file is usually under 5 MB.")
            % {"mb": limit // (1024 * 1024)}
        )
    if upload.size == 0:
        raise ValidationError(_("This file is empty."))
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    head = upload.read(4096)
    kind = parsing.sniff(head)
    if kind == "compressed" or extension in {"gz", "zip", "bz2", "xz", "7z"}:
        raise ValidationError(
            _("Compressed files are not accepted: upload the .fit, .gpx or .tcx file itself.")
        )
    if extension not in EXTENSIONS or kind is None:
        raise ValidationError(_("Upload a run file from your watch: a .fit, .gpx or .tcx file."))
    if kind != extension:
        raise ValidationError(
            _("The file's name says .%(ext)s but it holds something else.") % {"ext": extension}
        )
    data = head + upload.read(limit + 1 - len(head))
    if len(data) > limit:
        raise ValidationError(_("This file is too large."))
    if kind == "fit":
        _check_fit_structure(data)
    elif b"<!entity" in data.lower() or b"<!doctype" in data[:8192].lower():
        raise ValidationError(_("This file declares its own XML entities and cannot be read."))
    return kind, data


def _check_fit_structure(data: bytes) -> None:
    header_size = data[0]
    if header_size not in (12, 14) or len(data) < header_size + 2:
        raise ValidationError(_("The file is damaged or incomplete: it cannot be read."))
    (data_size,) = struct.unpack_from("<I", data, 4)
    if header_size + data_size + 2 > len(data):
        raise ValidationError(_("The file is damaged or incomplete: it cannot be read."))


def upload(*, patient: Patient, by: User, upload: UploadedFile[bytes]) -> RunImport:
    """Validate and store the file; its reading is queued. Refuses the same file twice."""
    kind, data = validate_upload(upload)
    digest = hashlib.sha256(data).hexdigest()
    earlier = RunImport.objects.filter(patient=patient, sha256=digest).first()
    if earlier is not None:
        raise ValidationError(_duplicate_message(patient, earlier))
    run = RunImport(
        patient=patient, uploaded_by=by, file_format=kind, file_bytes=len(data), sha256=digest
    )
    try:
        with transaction.atomic():
            run.file.save("run", ContentFile(data), save=False)
            run.save()
    except IntegrityError as error:  # the same file sent twice at once
        run.file.delete(save=False)
        raise ValidationError(_("You have already uploaded this run.")) from error
    # queued by name: the task module imports this one
    transaction.on_commit(lambda: signature(IMPORT_TASK, args=(run.pk,)).delay())
    return run


def _duplicate_message(patient: Patient, earlier: RunImport) -> str:
    when = earlier.local_date or earlier.uploaded_at.astimezone(patient.clinic.zone).date()
    return _("This run is already here (%(day)s): there is no need to upload it again.") % {
        "day": date_format(when, "l j F")
    }


def read(run_id: int) -> RunImport | None:
    """The worker's part: read the stored file in the limited child and file the session."""
    run = RunImport.objects.select_related("patient__clinic").filter(pk=run_id).first()
    if run is None or run.status != ImportStatus.READING:
        return run  # already read (a task run twice changes nothing)
    with run.file.open("rb") as handle:
        data = handle.read(max_bytes() + 1)
    try:
        session = sandbox.parse_limited(
            data,
            seconds=float(settings.RTR_RUN_PARSE_SECONDS),
            memory_mb=int(settings.RTR_RUN_PARSE_MEMORY_MB),
        )
    except parsing.RunFileError as error:
        return _refuse(run, str(error))
    return file_session(run, session)


def _refuse(run: RunImport, message: str) -> RunImport:
    run.status = ImportStatus.REFUSED
    run.message = message[:300]
    run.save(update_fields=["status", "message"])
    return run


def file_session(run: RunImport, session: dict[str, Any]) -> RunImport:
    sport = session["sport"]
    if sport not in parsing.RUN_SPORTS:
        return _refuse(
            run,
            _("This file is a %(sport)s activity: only runs and walk-runs are imported.")
            % {"sport": sport.replace("_", " ")},
        )
    started = datetime.fromisoformat(session["started_at"])
    patient = run.patient
    same = (
        RunImport.objects.filter(
            patient=patient,
            status=ImportStatus.DONE,
            started_at__gte=started - SAME_ACTIVITY,
            started_at__lte=started + SAME_ACTIVITY,
        )
        .exclude(pk=run.pk)
        .first()
    )
    if same is not None:
        return _refuse(run, _duplicate_message(patient, same))
    laps = session.get("laps") or []
    intervals = parsing.walk_run(laps)
    run.sport = sport
    run.sub_sport = session.get("sub_sport") or ""
    run.started_at = started
    run.local_date = started.astimezone(patient.clinic.zone).date()
    run.elapsed_s = round(session["elapsed_s"])
    run.moving_s = round(session["moving_s"])
    run.run_s = round(intervals["run_s"]) if intervals else None
    run.walk_s = round(intervals["walk_s"]) if intervals else None
    run.intervals = int(intervals["intervals"]) if intervals else None
    run.distance_m = _dec(session.get("distance_m"), 1)
    run.avg_hr = session.get("avg_hr")
    run.max_hr = session.get("max_hr")
    run.cadence_spm = _dec(session.get("cadence_spm"), 1)
    run.max_cadence_spm = _dec(session.get("max_cadence_spm"), 1)
    run.stance_time_ms = _dec(session.get("stance_time_ms"), 1)
    run.vertical_oscillation_mm = _dec(session.get("vertical_oscillation_mm"), 1)
    run.step_length_mm = _dec(session.get("step_length_mm"), 1)
    run.device_rpe = _dec(session.get("device_rpe"), 1)
    run.has_gps = bool(session.get("has_gps"))
    run.laps = laps
    run.status = ImportStatus.DONE
    run.message = ""
    try:
        with transaction.atomic():
            run.save()
            _fill_checkin(run)
    except IntegrityError:
        run.refresh_from_db()
        return _refuse(run, _("This run is already here: there is no need to upload it again."))
    return run


def _dec(value: Any, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(round(float(value), places)))


def _fill_checkin(run: RunImport) -> None:
    """A check-in already made that day takes the watch's figures; what was typed is kept on
    the import, and the check-in is judged again by the rules (the outbox relay)."""
    if run.local_date is None:
        return
    checkin = (
        CheckIn.objects.select_for_update().filter(patient=run.patient, date=run.local_date).first()
    )
    if checkin is None:
        return  # the athlete's check-in form is filled on the page instead (run-import.js)
    run.checkin = checkin
    run.typed_run_minutes = checkin.run_minutes
    run.typed_distance_km = checkin.run_distance_km
    run.save(update_fields=["checkin", "typed_run_minutes", "typed_distance_km"])
    values = checkin_values(run)
    CheckIn.objects.filter(pk=checkin.pk).update(
        run_minutes=values["run_minutes"],
        run_distance_km=values["run_distance_km"] or checkin.run_distance_km,
        cadence=values["cadence"] or checkin.cadence,
        session_rpe=checkin.session_rpe
        if checkin.session_rpe is not None
        else values["session_rpe"],
        evaluated_at=None,
    )


def checkin_values(run: RunImport) -> dict[str, Any]:
    """The check-in's run fields as the file gives them."""
    cadence = round(run.cadence_spm) if run.cadence_spm is not None else None
    if cadence is not None and not 100 <= cadence <= 240:
        cadence = None
    return {
        "run_minutes": min(run.run_minutes or 0, 300),
        "walk_minutes": min(run.walk_minutes or 0, 600) if run.walk_minutes else None,
        "run_distance_km": run.distance_km if run.distance_km and run.distance_km < 100 else None,
        "cadence": cadence,
        "session_rpe": round(run.device_rpe) if run.device_rpe is not None else None,
    }


def checkin_saved(sender: Any, instance: CheckIn, created: bool, **kwargs: Any) -> None:
    """The day's imports belong to the check-in the athlete submits (with the values they
    kept or corrected; the import keeps the file's)."""
    if kwargs.get("raw"):
        return
    RunImport.objects.filter(
        patient_id=instance.patient_id,
        local_date=instance.date,
        checkin__isnull=True,
        status=ImportStatus.DONE,
    ).update(checkin=instance)
