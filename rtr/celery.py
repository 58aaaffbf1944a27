"""The Celery application. Settings come from Django's, under the CELERY_ namespace."""

from __future__ import annotations

import os

# Set before the app is created: Celery installs its Django fix-up (which adds
# `delay_on_commit` and closes stale DB connections) only when this is already set.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rtr.settings.base")

from celery import Celery
from celery.signals import worker_ready

app = Celery("rtr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _heartbeat_on_start(sender: object, **kwargs: object) -> None:
    """A first heartbeat as soon as a worker is ready, rather than at the next beat minute."""
    app.send_task("rtr.tasks.record_worker_heartbeat", kwargs={"source": "startup"})
