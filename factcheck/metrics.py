"""`GET /metrics`: Prometheus' text format, for operators only (a bearer token or an allowed network).

What it holds:

- from PostgreSQL at scrape time (reviews/metrics.py, `DeskCollector`): review tasks by state and
  expired leases, verdicts by state, articles by extraction and matching state, stale scorecards and the
  age of the oldest, and what the Celery workers counted there (task failures, scorecard build times);
- from the web processes: `factcheck_http_request_duration_seconds`, each request's time by view
  (`MetricsMiddleware`). Labels are the URL pattern's name (`resolver_match.view_name`, or `unmatched`
  when no pattern matched) and the method (`other` for unusual ones), so what callers send cannot add
  series. Under gunicorn every worker process keeps its own: with `PROMETHEUS_MULTIPROC_DIR` set
  (docker-compose.yml does), prometheus_client keeps them in files there and a scrape adds every
  worker's up; without it (one process: the demo, runserver), this process's own are reported.

Answered before the host check and the HTTPS redirect, like the probes (factcheck/middleware.py):
Prometheus scrapes each container by its address over plain HTTP.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess

METRICS_PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"

# Not registered anywhere at import: each scrape builds its registry (`_registry`), which reads it
# directly or, in multiprocess mode, from the files every worker process writes.
HTTP_LATENCY = Histogram(
    "factcheck_http_request_duration_seconds",
    "Time to answer a request, by view (the URL pattern's name) and method.",
    ["view", "method"],
    registry=None,
)

REFUSED = (
    "Metrics are for operators only: send the metrics token (Authorization: Bearer <token>) "
    "or scrape from an allowed network."
)
BAD_TOKEN = "The metrics token is not valid."  # noqa: S105 (the refusal's words, not a secret)
DATABASE_DOWN = "The database did not answer; the metrics are read from it."


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@functools.lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address_allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.FACTCHECK_METRICS_ALLOWED_NETWORKS)))


def _error(status: int, detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may read the metrics, else the answer saying why not.

    A caller who sends credentials is judged by them alone (401 when they are not the token, from any
    address); one who sends none, by its address (REMOTE_ADDR: behind a proxy, the proxy's, so use the
    token there). The answer names neither the token nor the networks.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        token = settings.FACTCHECK_METRICS_TOKEN
        if (
            scheme.lower() == "bearer"
            and token
            and hmac.compare_digest(credentials.strip().encode(), token.encode())
        ):
            return None
        response = _error(401, BAD_TOKEN, "not_authenticated")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if _address_allowed(request.META.get("REMOTE_ADDR")):
        return None
    return _error(403, REFUSED, "permission_denied")


def _registry() -> CollectorRegistry:
    from reviews.metrics import DeskCollector

    registry = CollectorRegistry(auto_describe=False)
    if _multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(HTTP_LATENCY)
    registry.register(DeskCollector())
    return registry


def metrics_response(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _error(405, "Use GET.", "method_not_allowed")
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    try:
        body = generate_latest(_registry())
    except DatabaseError:
        return _error(503, DATABASE_DOWN, "unavailable")
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else UNMATCHED


class MetricsMiddleware:
    """Answers `GET /metrics`, and times every other request it passes on (the probes answer before it
    and are not timed). After HealthCheckMiddleware, before everything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == METRICS_PATH:
            return metrics_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        HTTP_LATENCY.labels(view_label(request), method).observe(time.perf_counter() - started)
        return response
