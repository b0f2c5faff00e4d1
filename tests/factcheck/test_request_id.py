"""X-Request-ID: taken or made, answered, on every log line of the request, and carried into Celery."""

from __future__ import annotations

import io
import logging
import re
import types
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from factcheck import request_id
from factcheck.request_id import (
    CELERY_HEADER,
    RequestIdFilter,
    carry_into_message,
    forget_in_worker,
    request_id_get,
    restore_in_worker,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the root logger writes through a handler set up as settings.LOGGING's console handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config: dict[str, Any] = settings.LOGGING
    handler.setFormatter(logging.Formatter(config["formatters"]["text"]["format"]))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_the_middleware_is_first() -> None:
    assert settings.MIDDLEWARE[0] == "factcheck.request_id.RequestIdMiddleware"
    config: dict[str, Any] = settings.LOGGING
    assert config["handlers"]["console"]["filters"] == ["request_id"]


def test_a_request_without_an_id_gets_a_new_one() -> None:
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_callers_id_is_kept() -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a:0001.2_b")
    assert response["X-Request-ID"] == "lb-7f3a:0001.2_b"


@pytest.mark.parametrize(
    "bad",
    ["", "has space", 'quote"d', "new\nline", "x" * 129, "ünïcode", "semi;colon"],
)
def test_an_unusable_id_is_replaced(bad: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_longest_id_accepted_is_128_characters() -> None:
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="x" * 128)["X-Request-ID"] == "x" * 128


def test_every_log_line_of_the_request_carries_its_id(log_lines: io.StringIO) -> None:
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-1")
    assert response.status_code == 404
    lines = [line for line in log_lines.getvalue().splitlines() if "Not Found: /no-such-page/" in line]
    assert len(lines) == 1
    assert " WARNING django.request [req-404-1] Not Found: /no-such-page/" in lines[0]


def test_outside_a_request_the_id_is_a_dash(log_lines: io.StringIO) -> None:
    logging.getLogger("tests.request_id").warning("no request here")
    assert "[-] no request here" in log_lines.getvalue()
    assert request_id_get() is None


def test_the_id_is_gone_after_the_request() -> None:
    Client().get("/healthz", HTTP_X_REQUEST_ID="done-1")
    assert request_id_get() is None


def _task(**request: object) -> types.SimpleNamespace:
    return types.SimpleNamespace(request=types.SimpleNamespace(**request))


def test_a_message_sent_in_a_request_carries_its_id() -> None:
    token = request_id._current.set("sent-1")
    try:
        headers: dict[str, object] = {"lang": "py"}
        carry_into_message(headers=headers, body=None)
    finally:
        request_id._current.reset(token)
    assert headers == {"lang": "py", CELERY_HEADER: "sent-1"}


def test_a_message_sent_outside_a_request_carries_none() -> None:
    headers: dict[str, object] = {}
    carry_into_message(headers=headers)
    assert headers == {}


def test_the_worker_restores_the_id_for_the_task_and_forgets_it_after() -> None:
    task = _task(**{CELERY_HEADER: "from-web-1"})
    restore_in_worker(task=task)
    assert request_id_get() == "from-web-1"
    forget_in_worker(task=task)
    assert request_id_get() is None
    forget_in_worker(task=task)  # twice (a retry's postrun) is harmless
    assert request_id_get() is None


def test_the_worker_ignores_a_forged_header() -> None:
    task = _task(**{CELERY_HEADER: "bad id\n[admin] fake line"})
    restore_in_worker(task=task)
    assert request_id_get() is None
    forget_in_worker(task=task)


def test_a_task_run_in_the_senders_process_keeps_the_senders_id() -> None:
    token = request_id._current.set("eager-1")
    try:
        task = _task()
        restore_in_worker(task=task)
        assert request_id_get() == "eager-1"
        forget_in_worker(task=task)
        assert request_id_get() == "eager-1"
    finally:
        request_id._current.reset(token)
