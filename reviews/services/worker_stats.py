"""Counting what Celery workers do, for `/metrics` (reviews/models_metrics.py says why in PostgreSQL).

Connected to Celery's signals in reviews/metrics.py: a task that ends in failure (`task_failure`: an
exception after its retries, or a soft time limit) adds to `celery_task_failures`, and a
`reviews.scorecard_build` run that built a scorecard adds its duration to `scorecard_build_seconds`.
"""

from __future__ import annotations

import bisect
import math

from django.db.models import F

from reviews.models import WorkerStat

TASK_FAILURES = "celery_task_failures"
SCORECARD_BUILD_SECONDS = "scorecard_build_seconds"
# Upper bounds of the build-time buckets, in seconds (a build normally takes tens of milliseconds; the
# task's soft time limit is 60 s).
SCORECARD_BUILD_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, math.inf)


def bucket_label(bound: float) -> str:
    """How a bucket's upper bound is written in `WorkerStat.label` and in Prometheus' `le`."""
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def worker_stat_add(*, metric: str, label: str = "", value: float = 0.0) -> None:
    """Count one event of `metric` (series `label`) with `value` added to its total.

    One UPDATE of the series' row; the first event of a series first inserts the row (ON CONFLICT DO
    NOTHING, so two workers starting one series at once make one row). Each statement is atomic on its
    own, so no transaction is opened; inside a caller's transaction it commits with it.
    """
    series = WorkerStat.objects.filter(metric=metric, label=label)
    if series.update(count=F("count") + 1, total=F("total") + value):
        return
    WorkerStat.objects.bulk_create([WorkerStat(metric=metric, label=label)], ignore_conflicts=True)
    series.update(count=F("count") + 1, total=F("total") + value)


def task_failure_record(*, task_name: str) -> None:
    worker_stat_add(metric=TASK_FAILURES, label=task_name)


def scorecard_build_record(*, seconds: float) -> None:
    """One scorecard build that took `seconds`, counted in the bucket it falls in."""
    seconds = max(seconds, 0.0)
    bound = SCORECARD_BUILD_BUCKETS[bisect.bisect_left(SCORECARD_BUILD_BUCKETS, seconds)]
    worker_stat_add(metric=SCORECARD_BUILD_SECONDS, label=bucket_label(bound), value=seconds)
