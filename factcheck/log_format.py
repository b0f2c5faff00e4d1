"""How log lines look: readable text for people (the demo, development), one JSON object per line for log
shippers (production: `FACTCHECK_LOG_FORMAT=json`, its default there). Every line carries the request id
(factcheck/request_id.py).

The web process and management commands log through settings.LOGGING. A Celery worker (and beat) sets up
its own handlers; `worker_logger_ready` and `worker_task_logger_ready` (connected in factcheck/celery.py)
add the request id filter to them and, for JSON, our formatter,
so a worker's lines read like the web's and name the request that sent each task.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from factcheck.request_id import RequestIdFilter

TEXT = "text"
JSON = "json"
FORMATS = (TEXT, JSON)


def json_formatter() -> logging.Formatter:
    """The JSON formatter of settings.LOGGING, built the way `logging.config` builds it."""
    config: dict[str, Any] = settings.LOGGING
    spec = dict(config["formatters"][JSON])
    factory = import_string(spec.pop("()"))
    formatter: logging.Formatter = factory(spec.pop("fmt"), **spec)
    return formatter


def _prepare(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        if settings.FACTCHECK_LOG_FORMAT == JSON:
            handler.setFormatter(json_formatter())


def worker_logger_ready(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """`after_setup_logger`: the root logger's handlers, and those of the multiprocessing logger that
    shares their format."""
    from celery.utils.log import get_multiprocessing_logger

    for each in (logger, get_multiprocessing_logger()):
        if each is not None:
            _prepare(each.handlers)


def worker_task_logger_ready(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """`after_setup_task_logger`: the task logger's handlers."""
    if logger is not None:
        _prepare(logger.handlers)
