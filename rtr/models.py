"""Project-wide operational records: the worker heartbeat and task probes."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Written every minute by a canary task; /health/ calls the worker stale when it ages."""

    worker = models.CharField(_("worker"), max_length=200, unique=True)
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def latest_seen_at(cls) -> datetime | None:
        latest: datetime | None = cls.objects.aggregate(latest=models.Max("last_seen_at"))["latest"]
        return latest


class TaskProbe(models.Model):
    """A test task sent from the system status page, marked done by whichever worker runs it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("task probe")
        verbose_name_plural = _("task probes")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"probe {self.public_id}"
