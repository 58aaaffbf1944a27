"""Writes for the operational records (heartbeat, task probes)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import signature
from django.db import transaction
from django.utils import timezone

from .models import TaskProbe, WorkerHeartbeat

PROBE_TASK = "rtr.tasks.complete_task_probe"

if TYPE_CHECKING:
    from rtr.accounts.models import User

logger = logging.getLogger(__name__)


def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker=worker[:200], defaults={"last_seen_at": timezone.now()}
    )
    return heartbeat


@transaction.atomic
def task_probe_send(*, user: User) -> TaskProbe:
    """Record a probe and queue it once the row is committed."""
    probe = TaskProbe.objects.create(requested_by=user)
    transaction.on_commit(lambda: _publish_probe(probe.pk))
    return probe


def _publish_probe(probe_id: int) -> None:
    try:
        # queued by name: the task module imports this one
        signature(PROBE_TASK, args=(probe_id,)).delay()
    except Exception:
        # The broker is down: the probe stays pending and the page says so.
        logger.warning("task probe %s could not be published", probe_id, exc_info=True)


def task_probe_complete(*, probe_id: int, worker: str) -> bool:
    """Mark the probe done; a second run of the same task changes nothing."""
    updated = TaskProbe.objects.filter(pk=probe_id, completed_at=None).update(
        completed_at=timezone.now(), worker=worker[:200]
    )
    return updated == 1
