"""What `/metrics` reports about the desk and its workers (factcheck/metrics.py serves it).

`DeskCollector` reads PostgreSQL at scrape time, in five statements whatever the data: tasks by state
and expired leases, verdicts by state, articles by extraction and by matching state (failures included),
stale scorecards and the age of the oldest, and what the Celery workers counted (task failures and
scorecard build times, kept in `WorkerStat` rows by the signal handlers below). Being read from the
database, every web process answers the same figures, however many there are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from celery import current_app, signals
from django.db import Error as DatabaseError
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from reviews.models import ArticleStatus, MatchingStatus, TaskStatus, VerdictStatus
from reviews.selectors_ops import desk_counts, worker_stats
from reviews.selectors_scorecards import scorecards_staleness
from reviews.services.messages import SCORECARD_BUILD
from reviews.services.worker_stats import (
    SCORECARD_BUILD_BUCKETS,
    SCORECARD_BUILD_SECONDS,
    TASK_FAILURES,
    bucket_label,
    scorecard_build_record,
    task_failure_record,
)

logger = logging.getLogger(__name__)

PREFIX = "factcheck_"


def _by_state(name: str, documentation: str, counts: Any, states: Any) -> GaugeMetricFamily:
    """A gauge with one sample per state, every state present (zero when no row has it)."""
    family = GaugeMetricFamily(PREFIX + name, documentation, labels=["state"])
    for state in states:
        family.add_metric([str(state)], counts.get(str(state), 0))
    return family


def _task_names() -> list[str]:
    return sorted(name for name in current_app.tasks if name.startswith("reviews."))


class DeskCollector(Collector):
    def collect(self) -> Iterator[Any]:
        now = timezone.now()
        counts = desk_counts(now=now)
        stale, oldest = scorecards_staleness()
        stats = worker_stats()

        yield _by_state("review_tasks", "Review tasks by state.", counts.tasks, TaskStatus)
        yield GaugeMetricFamily(
            PREFIX + "review_task_leases_expired",
            "Leased review tasks whose lease ran out (claimable again; the beat sweep releases them).",
            value=counts.leases_expired,
        )
        yield _by_state("verdicts", "Verdicts by state.", counts.verdicts, VerdictStatus)
        yield _by_state(
            "articles",
            "Articles by extraction state (failed: extraction gave up after its attempts).",
            counts.articles,
            ArticleStatus,
        )
        yield _by_state(
            "articles_matching",
            "Articles by claim-matching state (pending: waiting for matching; failed: retried by the sweep).",
            counts.matching,
            MatchingStatus,
        )
        yield GaugeMetricFamily(
            PREFIX + "scorecards_stale",
            "Extracted articles whose scorecard is missing or older than their latest change.",
            value=stale,
        )
        yield GaugeMetricFamily(
            PREFIX + "scorecard_staleness_seconds",
            "Age of the oldest change not yet in its article's scorecard (0 when all are current).",
            value=(now - oldest).total_seconds() if oldest is not None else 0.0,
        )

        failures = CounterMetricFamily(
            PREFIX + "celery_task_failures",
            "Celery task runs that ended in failure (after their retries), by task, counted by the workers.",
            labels=["task"],
        )
        counted = stats.get(TASK_FAILURES, {})
        for name in sorted(set(_task_names()) | set(counted)):
            failures.add_metric([name], counted.get(name, (0, 0.0))[0])
        yield failures

        builds = stats.get(SCORECARD_BUILD_SECONDS, {})
        cumulative, buckets = 0, []
        for bound in SCORECARD_BUILD_BUCKETS:
            label = bucket_label(bound)
            cumulative += builds.get(label, (0, 0.0))[0]
            buckets.append((label, cumulative))
        yield HistogramMetricFamily(
            PREFIX + "scorecard_build_seconds",
            "Run time of reviews.scorecard_build tasks that built a scorecard, in a worker.",
            buckets=buckets,
            sum_value=sum(total for _, total in builds.values()),
        )


# --- Counting in the workers (connected in ReviewsConfig.ready) --------------------------------------------

_STARTED = "_factcheck_started"


def _record(what: str, record: Any, **kwargs: Any) -> None:
    """Metrics never fail a task: a database that cannot take the count loses it, with a warning."""
    try:
        record(**kwargs)
    except DatabaseError as exc:
        logger.warning("Could not count %s for /metrics: %s", what, exc)


def _task_failed(sender: Any = None, **kwargs: Any) -> None:
    # Eager runs (tests, in the sender's process) are not a worker's; retries are `task_retry`, not this.
    if sender is None or sender.request.is_eager:
        return
    _record("a task failure", task_failure_record, task_name=sender.name)


def _task_started(task: Any = None, **kwargs: Any) -> None:
    if task is not None and task.name == SCORECARD_BUILD and not task.request.is_eager:
        setattr(task.request, _STARTED, time.perf_counter())


def _task_finished(task: Any = None, retval: Any = None, state: str | None = None, **kwargs: Any) -> None:
    started = getattr(task.request, _STARTED, None) if task is not None else None
    if started is None:
        return
    setattr(task.request, _STARTED, None)
    # "up to date" and "article gone" runs built nothing (reviews/tasks.py); they would only dilute it.
    if state == "SUCCESS" and retval == "built":
        _record("a scorecard build", scorecard_build_record, seconds=time.perf_counter() - started)


def connect_worker_signals() -> None:
    signals.task_failure.connect(_task_failed, weak=False, dispatch_uid="factcheck.metrics.failure")
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="factcheck.metrics.prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="factcheck.metrics.postrun")
