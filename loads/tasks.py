"""Celery task for run files: reads one file, with its own time limits (the child process that
parses has its own wall-clock and memory limits, shorter than these)."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services
from .models import RunImport
from .sandbox import TOO_SLOW


@shared_task(
    name="loads.import_run_file",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def import_run_file(run_id: int) -> str | None:
    try:
        run = services.read(run_id)
    except SoftTimeLimitExceeded:
        RunImport.objects.filter(pk=run_id, status="reading").update(
            status="refused", message=TOO_SLOW
        )
        return "refused"
    return run.status if run is not None else None
