"""What the Celery workers count for `/metrics` (reviews/metrics.py): task failures and scorecard build
times.

Workers are other processes, often on other machines, than the web process that answers a scrape, and
PostgreSQL is the one store they all reach and that outlives a restart of any of them (Redis may be
flushed, or be only the demo's filesystem broker). Each event updates one row with one statement
(`reviews.services.worker_stats.worker_stat_add`), so concurrent workers never wait on each other for
long and never deadlock.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class WorkerStat(models.Model):
    """One series of a counter or one bucket of a histogram: `count` events whose values sum to `total`.

    A counter (`celery_task_failures`) has a row per label value (the task's name) and uses `count`. A
    histogram (`scorecard_build_seconds`) has a row per bucket, labelled by its upper bound, holding only
    the observations that fell in that bucket (not the cumulative count Prometheus shows): an observation
    then touches one row, and the scrape adds the buckets up.
    """

    metric = models.CharField(max_length=100)
    label = models.CharField(max_length=200, blank=True)
    count = models.PositiveBigIntegerField(default=0)
    total = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            # One row per series: the increment is an UPDATE of that row, and a first event's INSERT
            # ... ON CONFLICT DO NOTHING cannot make a second one.
            models.UniqueConstraint(fields=["metric", "label"], name="workerstat_unique_series"),
            # Prometheus counters never go down.
            models.CheckConstraint(condition=Q(total__gte=0), name="workerstat_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.metric}{{{self.label}}} = {self.count}"
