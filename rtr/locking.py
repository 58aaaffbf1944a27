"""One lock order for patient-level work, and one retry of a deadlock before any 503.

The order, everywhere a transaction takes row locks on a patient's records:

    1. the patient row             (Patient ... SELECT FOR UPDATE)
    2. then its check-ins / flags  (CheckIn, Flag ... SELECT FOR UPDATE, UPDATE)
    3. then its plan               (Plan ... SELECT FOR UPDATE, via protocols.services)

Saving a check-in (`checkins.services._submit`), evaluating a patient
(`checkins.warning_signs.evaluation.evaluate_patient`), the outbox relay (`evaluation.evaluate_pending`, which
claims the patient with SKIP LOCKED before it touches a check-in) and the flag actions
(`checkins.warning_signs.flags._locked`) all follow it. Before issue 24 the relay locked a pending
check-in first and its patient second, the reverse of a submission, and PostgreSQL answered
"deadlock detected" to about one concurrent submission in ten while a worker ran.

Should two transactions still meet in a deadlock (another table, a future change),
PostgreSQL aborts one of them; `retry_on_deadlock` runs that one again once, since its
transaction was rolled back whole, and only a second deadlock reaches the 503 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)


def is_deadlock(error: BaseException) -> bool:
    """Whether a database error is PostgreSQL's deadlock (or lock-order serialisation) abort."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    # 40P01 deadlock_detected; 40001 serialization_failure (the same class of transient abort).
    return sqlstate in {"40P01", "40001"}


def retry_on_deadlock[T](work: Callable[[], T], *, what: str) -> T:
    """Run `work` (one whole transaction); run it once more if the database aborted it as a
    deadlock. Inside an outer transaction there is nothing to retry: the error goes up."""
    try:
        return work()
    except OperationalError as error:
        if not is_deadlock(error) or connection.in_atomic_block:
            raise
        logger.warning("deadlock while %s: retried once", what)
        return work()
