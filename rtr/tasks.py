"""Project-level Celery tasks: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="rtr.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat(source: str = "beat") -> None:
    worker = record_worker_heartbeat.request.hostname or "unknown"
    services.worker_heartbeat_record(worker=worker)


@shared_task(name="rtr.tasks.complete_task_probe", ignore_result=True)
def complete_task_probe(probe_id: int) -> None:
    worker = complete_task_probe.request.hostname or "unknown"
    services.task_probe_complete(probe_id=probe_id, worker=worker)
    services.worker_heartbeat_record(worker=worker)
