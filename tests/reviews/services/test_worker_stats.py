"""Counting the workers' events in PostgreSQL: one row per series, each event one statement."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from reviews.models import WorkerStat
from reviews.services.worker_stats import (
    SCORECARD_BUILD_SECONDS,
    TASK_FAILURES,
    scorecard_build_record,
    task_failure_record,
    worker_stat_add,
)


@pytest.mark.django_db
def test_an_event_of_a_known_series_is_one_statement(django_assert_num_queries: Any) -> None:
    task_failure_record(task_name="reviews.article_match")
    with django_assert_num_queries(1):
        task_failure_record(task_name="reviews.article_match")
    row = WorkerStat.objects.get()
    assert (row.metric, row.label, row.count, row.total) == (TASK_FAILURES, "reviews.article_match", 2, 0.0)


@pytest.mark.django_db
def test_a_first_event_inserts_its_series_then_counts_it(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        worker_stat_add(metric="m", label="a", value=1.5)
    worker_stat_add(metric="m", label="a", value=2.0)
    worker_stat_add(metric="m", label="b", value=4.0)
    assert sorted(WorkerStat.objects.values_list("label", "count", "total")) == [("a", 2, 3.5), ("b", 1, 4.0)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [
        (0.0, "0.01"),
        (0.01, "0.01"),
        (0.0100001, "0.025"),
        (0.3, "0.5"),
        (60.0, "60.0"),
        (61.0, "+Inf"),
        (-1.0, "0.01"),
    ],
)
def test_a_build_is_counted_in_the_bucket_it_falls_in(seconds: float, bucket: str) -> None:
    scorecard_build_record(seconds=seconds)
    row = WorkerStat.objects.get()
    assert (row.metric, row.label, row.count, row.total) == (
        SCORECARD_BUILD_SECONDS,
        bucket,
        1,
        max(seconds, 0.0),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_starting_one_series_at_once_make_one_row_and_lose_no_event() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    threads, start, errors = 8, threading.Barrier(8), []

    def count() -> None:
        try:
            start.wait()
            for _ in range(5):
                task_failure_record(task_name="reviews.webhook_deliver")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert list(WorkerStat.objects.values_list("label", "count")) == [("reviews.webhook_deliver", 40)]
