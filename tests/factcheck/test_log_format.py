"""Log lines: JSON objects in production (FACTCHECK_LOG_FORMAT=json), each with the request id."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from factcheck.log_format import json_formatter, worker_logger_ready, worker_task_logger_ready
from factcheck.request_id import RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_a_json_log_line_carries_the_request_id(json_lines: io.StringIO) -> None:
    Client().get("/no-such-page/", HTTP_X_REQUEST_ID="json-req-1")
    records = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    [record] = [r for r in records if r["message"] == "Not Found: /no-such-page/"]
    assert record["request_id"] == "json-req-1"
    assert record["level"] == "WARNING"
    assert record["logger"] == "django.request"
    assert record["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_json_line(json_lines: io.StringIO) -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logging.getLogger("tests.log_format").exception("it failed")
    [line] = json_lines.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "it failed"
    assert record["request_id"] == "-"
    assert record["exc_info"].endswith("ValueError: bad\nvalue")


def _settings_process(module: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "FACTCHECK_LOG_FORMAT"}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        DJANGO_SECRET_KEY="test-only-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="factcheck.example.org",
        **extra_env,
    )
    code = "import django, logging; django.setup(); logging.getLogger('tests.prod').warning('from prod')"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_logs_json_by_default() -> None:
    result = _settings_process("factcheck.settings.production", {})
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    [record] = [r for r in records if r["logger"] == "tests.prod"]
    assert (record["message"], record["level"], record["request_id"]) == ("from prod", "WARNING", "-")


def test_production_can_log_text() -> None:
    result = _settings_process("factcheck.settings.production", {"FACTCHECK_LOG_FORMAT": "text"})
    assert result.returncode == 0, result.stderr
    assert " WARNING tests.prod [-] from prod" in result.stderr


def test_local_logs_text() -> None:
    result = _settings_process("factcheck.settings.local", {})
    assert " WARNING tests.prod [-] from prod" in result.stderr


def test_an_unknown_log_format_is_refused() -> None:
    result = _settings_process("factcheck.settings.production", {"FACTCHECK_LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "FACTCHECK_LOG_FORMAT must be one of ('text', 'json'), not 'xml'." in result.stderr


def _celery_handler() -> logging.Handler:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter(settings.CELERY_WORKER_LOG_FORMAT))
    return handler


@pytest.mark.parametrize("hook", [worker_logger_ready, worker_task_logger_ready])
def test_the_worker_handlers_get_the_filter_and_keep_text(hook: Any, settings: Any) -> None:
    settings.FACTCHECK_LOG_FORMAT = "text"
    logger = logging.Logger("tests.worker")
    logger.addHandler(_celery_handler())
    hook(logger=logger)
    hook(logger=logger)  # set up twice: one filter
    [handler] = logger.handlers
    assert [type(f) for f in handler.filters] == [RequestIdFilter]
    logger.warning("worker line")
    stream: Any = getattr(handler, "stream")  # noqa: B009
    assert "] [-] worker line" in stream.getvalue()


def test_the_worker_handlers_write_json_when_asked(settings: Any) -> None:
    settings.FACTCHECK_LOG_FORMAT = "json"
    logger = logging.Logger("tests.worker")
    logger.addHandler(_celery_handler())
    worker_logger_ready(logger=logger)
    logger.warning("worker line")
    stream: Any = getattr(logger.handlers[0], "stream")  # noqa: B009
    record = json.loads(stream.getvalue())
    assert (record["message"], record["request_id"], record["logger"]) == ("worker line", "-", "tests.worker")
