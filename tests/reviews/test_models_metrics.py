"""The named constraints of the workers' counters (reviews/models_metrics.py), each tested to fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from reviews.models import WorkerStat

pytestmark = pytest.mark.django_db


def violates(name: str, action: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    assert name in str(excinfo.value)


def test_one_row_per_series() -> None:
    WorkerStat.objects.create(metric="celery_task_failures", label="reviews.article_match")
    violates(
        "workerstat_unique_series",
        lambda: WorkerStat.objects.create(metric="celery_task_failures", label="reviews.article_match"),
    )
    WorkerStat.objects.create(metric="celery_task_failures", label="reviews.article_extract")


def test_a_total_never_goes_below_zero() -> None:
    violates(
        "workerstat_total_not_negative",
        lambda: WorkerStat.objects.create(metric="scorecard_build_seconds", label="0.1", total=-0.5),
    )
