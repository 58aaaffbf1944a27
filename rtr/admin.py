from __future__ import annotations

from django.contrib import admin

from .models import TaskProbe, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ["worker", "last_seen_at"]


@admin.register(TaskProbe)
class TaskProbeAdmin(admin.ModelAdmin[TaskProbe]):
    list_display = ["public_id", "requested_by", "requested_at", "completed_at", "worker"]
