"""Reads for operators: what `/metrics` reports from PostgreSQL (reviews/metrics.py).

Computed at scrape time, so every web process reports the same figures and none keeps state. A fixed
number of statements whatever the data (one per table), each a single aggregate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from reviews.models import Article, ReviewTask, TaskStatus, Verdict, WorkerStat


@dataclass(slots=True)
class DeskCounts:
    tasks: Counter[str] = field(default_factory=Counter)  # by TaskStatus
    leases_expired: int = 0  # leased tasks whose lease ran out (claimable again)
    verdicts: Counter[str] = field(default_factory=Counter)  # by VerdictStatus
    articles: Counter[str] = field(default_factory=Counter)  # by ArticleStatus (extraction)
    matching: Counter[str] = field(default_factory=Counter)  # by MatchingStatus


def desk_counts(*, now: dt.datetime) -> DeskCounts:
    """Tasks by state with the expired leases, verdicts by state, articles by extraction and by matching
    state: three statements."""
    counts = DeskCounts()
    tasks = (
        ReviewTask.objects.order_by()
        .values_list("status")
        .annotate(
            n=Count("pk"),
            expired=Count("pk", filter=Q(status=TaskStatus.LEASED, lease_expires_at__lte=now)),
        )
    )
    for status, n, expired in tasks:
        counts.tasks[status] = n
        counts.leases_expired += expired
    for status, n in Verdict.objects.order_by().values_list("status").annotate(n=Count("pk")):
        counts.verdicts[status] = n
    articles = Article.objects.order_by().values_list("status", "matching_status").annotate(n=Count("pk"))
    for status, matching_status, n in articles:
        counts.articles[status] += n
        counts.matching[matching_status] += n
    return counts


def worker_stats() -> dict[str, dict[str, tuple[int, float]]]:
    """Every series the workers counted (reviews/models_metrics.py): metric -> label -> (count, total).
    One statement."""
    found: dict[str, dict[str, tuple[int, float]]] = {}
    for metric, label, count, total in WorkerStat.objects.order_by().values_list(
        "metric", "label", "count", "total"
    ):
        found.setdefault(metric, {})[label] = (count, total)
    return found
