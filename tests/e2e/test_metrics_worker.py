"""A real Celery worker counts its task failures and scorecard build times where /metrics reads them."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from reviews.models import Scorecard, WorkerStat
from reviews.services.messages import SCORECARD_BUILD
from reviews.tasks import scorecard_build_task
from tests.e2e.conftest import wait_for
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


def _scrape() -> dict[str, Any]:
    response = Client().get("/metrics")
    assert response.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def test_a_workers_failures_and_build_times_reach_the_metrics(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    article = ArticleFactory.create()
    scorecard_build_task.delay(article.pk)
    wait_for(lambda: Scorecard.objects.filter(article=article).exists(), what="the scorecard")
    # A second build finds it current ("up to date"): not a build, not timed.
    scorecard_build_task.delay(article.pk)
    # Not an id: the build raises ValueError, which is no transient error, so the run fails for good.
    scorecard_build_task.delay("not-an-id")
    wait_for(
        lambda: WorkerStat.objects.filter(metric="celery_task_failures", label=SCORECARD_BUILD).exists(),
        what="the worker to count the failure",
    )
    found = _scrape()
    failures = {s.labels["task"]: s.value for s in found["factcheck_celery_task_failures"].samples}
    assert failures[SCORECARD_BUILD] == 1
    assert failures["reviews.article_extract"] == 0
    build = {s.name: s.value for s in found["factcheck_scorecard_build_seconds"].samples if not s.labels}
    assert build["factcheck_scorecard_build_seconds_count"] == 1
    assert 0 < build["factcheck_scorecard_build_seconds_sum"] < 60
    assert celery_worker_process.poll() is None
