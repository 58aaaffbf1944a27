"""A pause inside an evaluation, for a worker the tests start and then kill mid-evaluation.

Imported by the test settings when RTR_EVALUATION_TEST_DELAY is set (that worker's
environment): before the worker's first task, the evaluation of a claimed patient is wrapped
so that it first waits that many seconds, inside the claim's transaction, holding the
patient row, as a slow evaluation would.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import task_prerun

logger = logging.getLogger(__name__)


def _held(evaluate: Any, delay: float) -> Any:
    def evaluate_after_a_pause(*args: Any, **kwargs: Any) -> Any:
        logger.warning("test pause: evaluation held for %s s", delay)
        time.sleep(delay)
        return evaluate(*args, **kwargs)

    evaluate_after_a_pause.paused = True  # type: ignore[attr-defined]
    return evaluate_after_a_pause


@task_prerun.connect(weak=False)
def _pause_evaluations(**kwargs: Any) -> None:
    from checkins.warning_signs import evaluation

    delay = float(os.environ.get("RTR_EVALUATION_TEST_DELAY", "0"))
    if delay and not getattr(evaluation.evaluate_patient, "paused", False):
        evaluation.evaluate_patient = _held(evaluation.evaluate_patient, delay)
