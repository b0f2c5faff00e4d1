"""The request id reaches a real Celery worker's log lines, as JSON, through a real Redis broker."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from reviews.models import Article, ArticleStatus
from tests.conftest import SEEDS
from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


@pytest.fixture
def json_logging_worker(
    transactional_db: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> subprocess.Popen[bytes]:
    """The e2e worker (tests/e2e/conftest.py), started with FACTCHECK_LOG_FORMAT=json. (`transactional_db`
    is named here so that pytest-django does not wrap the test in a transaction: the worker fixture is
    only requested once the environment is set.)"""
    monkeypatch.setenv("FACTCHECK_LOG_FORMAT", "json")
    monkeypatch.setenv("FACTCHECK_SCORER", "heuristic")  # no model to load: the worker starts sooner
    worker: subprocess.Popen[bytes] = request.getfixturevalue("celery_worker_process")
    return worker


def _records(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    records = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def test_the_request_id_is_on_the_worker_log_lines_of_the_tasks_it_sent(
    json_logging_worker: subprocess.Popen[bytes], api_client: Any, editor: Any, tmp_path: Path
) -> None:
    token, _ = Token.objects.get_or_create(user=editor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    text = (SEEDS / "003_92d1ca03750dec38.txt").read_text()
    response = api_client.post(
        "/api/v1/articles/", {"text": text}, format="json", HTTP_X_REQUEST_ID="e2e-req-0042"
    )
    assert response.status_code == 202
    assert response["X-Request-ID"] == "e2e-req-0042"
    article_id = response.data["id"]
    wait_for(
        lambda: Article.objects.filter(pk=article_id, status=ArticleStatus.READY).exists(),
        what="the worker to extract the article",
    )
    log = tmp_path / "worker.log"

    def succeeded(task: str) -> list[dict[str, Any]]:
        return [
            r
            for r in _records(log)
            if r["message"].startswith(f"Task {task}[") and " succeeded in " in r["message"]
        ]

    [extract] = wait_for(lambda: succeeded("reviews.article_extract"), what="the extraction's log line")
    assert (extract["request_id"], extract["logger"]) == ("e2e-req-0042", "celery.app.trace")
    # Lines outside any task (the worker starting up, a message arriving) carry none.
    outside = [
        r
        for r in _records(log)
        if r["message"].endswith((" ready.", "] received")) or "Connected to" in r["message"]
    ]
    assert len(outside) >= 3
    assert {r["request_id"] for r in outside} == {"-"}
