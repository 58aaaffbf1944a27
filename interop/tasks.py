from __future__ import annotations

from celery import shared_task

from . import bulk


@shared_task(acks_late=True)
def build_bulk_export(export_id: int) -> None:
    bulk.bulk_export_build(export_id)


@shared_task
def expire_bulk_exports() -> int:
    return bulk.bulk_exports_expire()
