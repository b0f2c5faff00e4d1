"""One id per request, in every log line the request causes, here and in the Celery tasks it starts.

`RequestIdMiddleware` takes the caller's `X-Request-ID` when it is a sane token (a proxy or a load balancer
that already made one, so its logs and ours share it) or makes one (uuid4, hex), answers it in the same
header, and keeps it in a context variable until the response is closed. `RequestIdFilter`, on the log
handlers (settings.LOGGING, and the Celery worker's handlers through `celery_logging_connect`), copies it
onto every record as `request_id` ("-" outside a request).

Celery: `before_task_publish` puts the current id in the message's headers, and `task_prerun` restores it
in the worker for the task's run, so a worker's log lines of a task name the request that sent it. Tasks a
task sends carry it on; beat's have none.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# The message header a task carries it in (Celery hands unknown headers to the worker's `task.request`).
CELERY_HEADER = "factcheck_request_id"
# What a caller's id may be: letters, digits and `-_.:` (uuids, hex, a proxy's `host:counter`), at most
# 128 characters. Anything else (spaces, quotes, control characters, a 10 kB header) is replaced by our
# own, so a caller cannot forge log lines or bloat every record.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MISSING = "-"

_current: ContextVar[str | None] = ContextVar("factcheck_request_id", default=None)


def request_id_get() -> str | None:
    """The id of the request (or of the request that sent the running task), if any."""
    return _current.get()


def request_id_valid(value: object) -> str | None:
    """`value` when it is an acceptable id, else None."""
    if isinstance(value, str) and _VALID.fullmatch(value):
        return value
    return None


def request_id_new() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every later middleware's log lines (and the probes' answers) carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_valid(request.headers.get(HEADER)) or request_id_new()
        # Kept until the response is closed (`request_finished`), not reset on the way out: Django logs a
        # 4xx answer ("Not Found: ...") after the whole middleware chain returned.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_finished(**kwargs: Any) -> None:
    _current.set(None)


request_finished.connect(_request_finished, dispatch_uid="factcheck.request_id")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record a handler formats; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or MISSING
        return True


# --- Celery ---------------------------------------------------------------------------------------------

# Where `restore_in_worker` keeps the context variable's reset token for `forget_in_worker`.
_RESET_ATTRIBUTE = "_factcheck_request_id_reset"


def carry_into_message(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """`before_task_publish`: the sending request's id goes with the message."""
    request_id = _current.get()
    if request_id and headers is not None:
        headers[CELERY_HEADER] = request_id


def restore_in_worker(task: Any = None, **kwargs: Any) -> None:
    """`task_prerun`: the id the message carries is the current one while the task runs. A task run in
    the sender's process (eager, in tests) already has it and carries no header: left as it is."""
    request_id = request_id_valid(getattr(task.request, CELERY_HEADER, None)) if task is not None else None
    if request_id:
        setattr(task.request, _RESET_ATTRIBUTE, _current.set(request_id))


def forget_in_worker(task: Any = None, **kwargs: Any) -> None:
    """`task_postrun`: the next task in this worker process starts without it."""
    token: Token[str | None] | None = getattr(task.request, _RESET_ATTRIBUTE, None) if task else None
    if token is not None:
        _current.reset(token)
        setattr(task.request, _RESET_ATTRIBUTE, None)
