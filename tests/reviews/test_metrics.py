"""What /metrics reports about the desk: every family present, each value the data behind it, parsed by
the Prometheus client's own parser, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import types
import uuid
from typing import Any

import pytest
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from reviews import metrics
from reviews.metrics import DeskCollector
from reviews.models import (
    Article,
    ArticleStatus,
    MatchingStatus,
    ReviewTask,
    Scorecard,
    TaskStatus,
    Verdict,
    VerdictStatus,
    WorkerStat,
)
from reviews.services.messages import SCORECARD_BUILD
from reviews.services.scorecards import scorecard_build
from reviews.services.worker_stats import scorecard_build_record, task_failure_record
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory, rating

pytestmark = pytest.mark.django_db

FAMILIES = {
    "factcheck_review_tasks": "gauge",
    "factcheck_review_task_leases_expired": "gauge",
    "factcheck_verdicts": "gauge",
    "factcheck_articles": "gauge",
    "factcheck_articles_matching": "gauge",
    "factcheck_scorecards_stale": "gauge",
    "factcheck_scorecard_staleness_seconds": "gauge",
    "factcheck_celery_task_failures": "counter",
    "factcheck_scorecard_build_seconds": "histogram",
}


def scrape() -> dict[str, Any]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeskCollector())
    text = generate_latest(registry).decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def samples(family: Any, name: str | None = None) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value for s in family.samples if name is None or s.name == name
    }


def by_state(family: Any) -> dict[str, float]:
    return {s.labels["state"]: s.value for s in family.samples}


def _lease(task: ReviewTask, *, expires: dt.datetime) -> None:
    task.status = TaskStatus.LEASED
    task.lease_holder = UserFactory.create()
    task.lease_token = uuid.uuid4()
    task.lease_expires_at = expires
    task.save()


def test_every_family_is_present_with_every_state_on_an_empty_desk() -> None:
    families = scrape()
    assert {name: f.type for name, f in families.items()} == FAMILIES
    assert by_state(families["factcheck_review_tasks"]) == {s.value: 0 for s in TaskStatus}
    assert by_state(families["factcheck_verdicts"]) == {s.value: 0 for s in VerdictStatus}
    assert by_state(families["factcheck_articles"]) == {s.value: 0 for s in ArticleStatus}
    assert by_state(families["factcheck_articles_matching"]) == {s.value: 0 for s in MatchingStatus}
    assert families["factcheck_scorecard_staleness_seconds"].samples[0].value == 0
    failures = {s.labels["task"]: s.value for s in families["factcheck_celery_task_failures"].samples}
    assert failures[SCORECARD_BUILD] == 0
    assert all(name.startswith("reviews.") for name in failures)
    build = families["factcheck_scorecard_build_seconds"]
    assert samples(build, "factcheck_scorecard_build_seconds_count") == {(): 0}


def test_queue_depth_by_state_and_expired_leases() -> None:
    now = timezone.now()
    ReviewTaskFactory.create_batch(3)
    _lease(ReviewTaskFactory.create(), expires=now + dt.timedelta(minutes=5))
    _lease(ReviewTaskFactory.create(), expires=now - dt.timedelta(seconds=1))
    _lease(ReviewTaskFactory.create(), expires=now - dt.timedelta(hours=2))
    ReviewTaskFactory.create(status=TaskStatus.CANCELLED)
    ReviewTaskFactory.create(status=TaskStatus.SUBMITTED, reviewer=UserFactory.create())
    families = scrape()
    assert by_state(families["factcheck_review_tasks"]) == {
        "available": 3,
        "leased": 3,
        "submitted": 1,
        "returned": 0,
        "done": 0,
        "cancelled": 1,
    }
    assert families["factcheck_review_task_leases_expired"].samples[0].value == 2


def test_verdicts_by_state() -> None:
    now = timezone.now()
    for status in (
        VerdictStatus.DRAFT,
        VerdictStatus.DRAFT,
        VerdictStatus.SUBMITTED,
        VerdictStatus.PUBLISHED,
    ):
        Verdict.objects.create(
            claim=ClaimFactory.create(),
            status=status,
            rating=None if status == VerdictStatus.DRAFT else rating("false"),
            published_at=now if status == VerdictStatus.PUBLISHED else None,
        )
    assert by_state(scrape()["factcheck_verdicts"]) == {
        **{s.value: 0 for s in VerdictStatus},
        "draft": 2,
        "submitted": 1,
        "published": 1,
    }


def test_extraction_and_matching_failures_and_waiting() -> None:
    ArticleFactory.create(status=ArticleStatus.PENDING)
    ArticleFactory.create(status=ArticleStatus.FAILED, failure_reason="no text")
    ArticleFactory.create(status=ArticleStatus.FAILED, failure_reason="killed its worker 3 times")
    ArticleFactory.create(matching_status=MatchingStatus.DONE)
    ArticleFactory.create(matching_status=MatchingStatus.FAILED, matching_error="boom")
    families = scrape()
    assert by_state(families["factcheck_articles"]) == {"pending": 1, "ready": 2, "failed": 2}
    assert by_state(families["factcheck_articles_matching"]) == {"pending": 3, "done": 1, "failed": 1}


def test_stale_scorecards_and_the_age_of_the_oldest_change() -> None:
    current = ArticleFactory.create()
    scorecard_build(article_id=current.pk)
    assert scrape()["factcheck_scorecards_stale"].samples[0].value == 0

    now = timezone.now()
    never_built = ArticleFactory.create()
    Article.objects.filter(pk=never_built.pk).update(changed_at=now - dt.timedelta(seconds=300))
    changed = ArticleFactory.create()
    scorecard_build(article_id=changed.pk)
    # Changed 30 s ago; its scorecard saw the state of a minute ago.
    Scorecard.objects.filter(article=changed).update(source_changed_at=now - dt.timedelta(seconds=60))
    Article.objects.filter(pk=changed.pk).update(
        changed_at=now - dt.timedelta(seconds=30), scorecard_stale=True
    )
    ArticleFactory.create(status=ArticleStatus.PENDING)  # not extracted: no scorecard expected yet
    families = scrape()
    assert families["factcheck_scorecards_stale"].samples[0].value == 2
    staleness = families["factcheck_scorecard_staleness_seconds"].samples[0].value
    assert 300 <= staleness < 330


def test_worker_counts_are_reported_as_counter_and_histogram() -> None:
    task_failure_record(task_name=SCORECARD_BUILD)
    task_failure_record(task_name=SCORECARD_BUILD)
    task_failure_record(task_name="reviews.article_match")
    for seconds in (0.004, 0.03, 0.03, 0.2, 75.0):
        scorecard_build_record(seconds=seconds)
    families = scrape()
    failures = {s.labels["task"]: s.value for s in families["factcheck_celery_task_failures"].samples}
    assert failures[SCORECARD_BUILD] == 2
    assert failures["reviews.article_match"] == 1
    assert failures["reviews.article_extract"] == 0
    build = families["factcheck_scorecard_build_seconds"]
    buckets = {s.labels["le"]: s.value for s in build.samples if s.name.endswith("_bucket")}
    assert buckets == {
        "0.01": 1,
        "0.025": 1,
        "0.05": 3,
        "0.1": 3,
        "0.25": 4,
        "0.5": 4,
        "1.0": 4,
        "2.5": 4,
        "5.0": 4,
        "10.0": 4,
        "30.0": 4,
        "60.0": 4,
        "+Inf": 5,
    }
    assert samples(build, "factcheck_scorecard_build_seconds_count") == {(): 5}
    assert samples(build, "factcheck_scorecard_build_seconds_sum") == {(): pytest.approx(75.264)}


def test_a_scrape_costs_five_statements_whatever_the_data(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(5):
        scrape()
    ReviewTaskFactory.create_batch(20)
    ArticleFactory.create_batch(10, status=ArticleStatus.FAILED, failure_reason="x")
    task_failure_record(task_name="reviews.article_match")
    scorecard_build_record(seconds=0.1)
    with django_assert_num_queries(5):
        scrape()


# --- the worker's signal handlers ---------------------------------------------------------------------


def _task(name: str, *, eager: bool = False) -> Any:
    return types.SimpleNamespace(name=name, request=types.SimpleNamespace(is_eager=eager))


def test_a_worker_task_failure_is_counted() -> None:
    metrics._task_failed(sender=_task("reviews.article_match"))
    metrics._task_failed(sender=_task("reviews.article_match"))
    row = WorkerStat.objects.get(metric="celery_task_failures")
    assert (row.label, row.count) == ("reviews.article_match", 2)


def test_an_eager_task_failure_is_not_a_workers() -> None:
    metrics._task_failed(sender=_task("reviews.article_match", eager=True))
    assert not WorkerStat.objects.exists()


@pytest.mark.parametrize(
    ("name", "state", "retval", "counted"),
    [
        (SCORECARD_BUILD, "SUCCESS", "built", 1),
        (SCORECARD_BUILD, "SUCCESS", "up to date", 0),
        (SCORECARD_BUILD, "FAILURE", None, 0),
        ("reviews.article_match", "SUCCESS", "built", 0),
    ],
)
def test_only_scorecard_builds_that_built_are_timed(name: str, state: str, retval: Any, counted: int) -> None:
    task = _task(name)
    metrics._task_started(task=task)
    metrics._task_finished(task=task, state=state, retval=retval)
    rows = WorkerStat.objects.filter(metric="scorecard_build_seconds")
    assert sum(row.count for row in rows) == counted


def test_a_count_the_database_cannot_take_never_fails_the_task(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import OperationalError

    def down(**kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(metrics, "task_failure_record", down)
    metrics._task_failed(sender=_task("reviews.article_match"))
    assert (
        "Could not count a task failure for /metrics: server closed the connection unexpectedly"
        in caplog.text
    )
