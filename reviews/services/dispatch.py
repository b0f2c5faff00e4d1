"""Sending Celery messages after a commit, without ever failing the change that asked for them.

Every message the services send does work a sweep would also find: the state that needs it is committed
in PostgreSQL first (an article `pending`, an `Article.changed_at` newer than its scorecard, a verdict's
`cache_stale_since`), and a beat sweep finds it again (`articles_resend_pending`, `scorecards_sweep`,
`published_reconcile`). So a message that cannot be sent is only late: `task_send` logs the failure with
what will redo the work, and returns False instead of raising into a request whose change is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import Task
from kombu.exceptions import KombuError

# What publishing raises when the broker cannot be reached: kombu wraps the transport's connection errors
# (redis-py's included) in its OperationalError, a KombuError; a socket error can also surface as is.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuError, OSError)

# Publishing must not hold up the request that asked for it: one quick retry, then leave it to the sweep.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def task_send(
    task: Task, *, args: Sequence[Any], what: str, repair: str, log: logging.Logger, **options: Any
) -> bool:
    """Send `task` with `args` now (`options` go to `apply_async`). On a broker error, log a warning
    "<what> was not queued (<error>); <repair>." on `log` and return False. Call it after commit
    (`transaction.on_commit`), so the state the sweep reads is stored before the message can be lost."""
    try:
        task.apply_async(args=tuple(args), retry=True, retry_policy=PUBLISH_RETRY_POLICY, **options)
    except BROKER_ERRORS as exc:
        log.warning("%s was not queued (%s); %s.", what, exc, repair)
        return False
    return True
