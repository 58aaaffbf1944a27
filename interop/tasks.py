from __future__ import annotations

from celery import shared_task

from . import bulk


@shared_task(acks_late=True)
def build_bulk_export(export_id: int) -> None:
    try:
        bulk.bulk_export_build(export_id)
    except Exception:
        bulk.bulk_export_fail(export_id)  # the page says it failed, instead of spinning
        raise


@shared_task
def expire_bulk_exports() -> int:
    return bulk.bulk_exports_expire()
