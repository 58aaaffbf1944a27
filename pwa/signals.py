"""A stage decision on an athlete's plan: a push notice to the athlete, if they asked for it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from checkins.warning_signs import push


def stage_decision_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    plan_id = instance.plan_id
    transaction.on_commit(lambda: push.plan_change_notify(plan_id=plan_id))
