"""Reads. Selectors own select_related/prefetch_related so no caller causes N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet

from reviews.models import ReviewTask, TaskStatus


@dataclass(frozen=True, slots=True)
class QueueOverview:
    waiting: int
    held: list[ReviewTask]
    submitted: list[ReviewTask]
    returned: list[ReviewTask]


def _tasks_with_claims() -> QuerySet[ReviewTask]:
    return ReviewTask.objects.select_related("claim", "claim__article")


def queue_overview(*, user: User) -> QueueOverview:
    """What the reviewer's "My queue" page shows: the queue size and the reviewer's own tasks."""
    mine = _tasks_with_claims().order_by("-updated_at")
    return QueueOverview(
        waiting=ReviewTask.objects.claimable().count(),
        held=list(mine.filter(status=TaskStatus.LEASED, lease_holder=user)),
        submitted=list(mine.filter(status=TaskStatus.SUBMITTED, reviewer=user)[:50]),
        returned=list(mine.filter(status=TaskStatus.RETURNED, reviewer=user)),
    )
