"""The every-second outbox relay leaves no INFO line in the logs; everything else stays."""

from __future__ import annotations

import logging

import pytest


@pytest.mark.parametrize(
    ("logger", "message", "args", "level", "kept"),
    [
        (
            "celery.beat",
            "Scheduler: Sending due task %s (%s)",
            ("evaluate-pending-checkins", "checkins.evaluate_pending"),
            logging.INFO,
            False,
        ),
        (
            "celery.worker.strategy",
            "Task %s[%s] received",
            ("checkins.evaluate_pending", "abc"),
            logging.INFO,
            False,
        ),
        (
            "celery.app.trace",
            "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
            (
                {
                    "name": "checkins.evaluate_pending",
                    "id": "abc",
                    "runtime": 0.9,
                    "return_value": 0,
                },
            ),
            logging.INFO,
            False,
        ),
        (
            "celery.app.trace",
            "Task %(name)s[%(id)s] raised unexpected: %(exc)s",
            ({"name": "checkins.evaluate_pending", "id": "abc", "exc": "boom"},),
            logging.ERROR,
            True,
        ),
        (
            "celery.app.trace",
            "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
            ({"name": "checkins.sweep", "id": "abc", "runtime": 0.2, "return_value": 0},),
            logging.INFO,
            True,
        ),
        (
            "celery.beat",
            "Scheduler: Sending due task %s (%s)",
            ("worker-heartbeat", "rtr.tasks.record_worker_heartbeat"),
            logging.INFO,
            True,
        ),
    ],
)
def test_only_the_relays_routine_lines_are_dropped(logger, message, args, level, kept, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger(logger).log(level, message, *args)
    assert bool(caplog.records) is kept
