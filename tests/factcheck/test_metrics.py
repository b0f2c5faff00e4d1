"""GET /metrics: Prometheus' text format for the operators' token or network, and 401/403 for others."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from factcheck.metrics import BAD_TOKEN, DATABASE_DOWN, REFUSED
from tests.factories import ReviewTaskFactory

pytestmark = pytest.mark.django_db

TOKEN = "m" * 40
OUTSIDE = "203.0.113.9"
HTTP = "factcheck_http_request_duration_seconds"


def families(response: Any) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def http_count(found: dict[str, Any], view: str, method: str = "GET") -> float:
    return sum(
        s.value
        for s in found[HTTP].samples
        if s.name == HTTP + "_count" and s.labels == {"view": view, "method": method}
    )


def test_a_scrape_from_this_machine_is_answered_in_prometheus_format() -> None:
    ReviewTaskFactory.create_batch(2)
    response = Client().get("/metrics", HTTP_HOST="10.0.0.7:8000")  # no allowed host: like the probes
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    found = families(response)
    assert {
        "factcheck_review_tasks",
        "factcheck_review_task_leases_expired",
        "factcheck_verdicts",
        "factcheck_articles",
        "factcheck_articles_matching",
        "factcheck_scorecards_stale",
        "factcheck_scorecard_staleness_seconds",
        "factcheck_celery_task_failures",
        "factcheck_scorecard_build_seconds",
        HTTP,
    } <= set(found)
    available = [s for s in found["factcheck_review_tasks"].samples if s.labels == {"state": "available"}]
    assert available[0].value == 2


def test_http_latency_is_counted_by_view_and_method() -> None:
    client = Client()
    before = families(client.get("/metrics"))
    for _ in range(3):
        assert client.get("/verdicts/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    client.generic("BREW", "/verdicts/")
    client.get("/healthz")
    after = families(client.get("/metrics"))
    view = "reviews:verdict-list"
    assert http_count(after, view) - http_count(before, view) == 3
    assert http_count(after, "unmatched") - http_count(before, "unmatched") == 1
    assert http_count(after, view, "other") - http_count(before, view, "other") == 1
    # The probes and the scrapes themselves are not timed.
    views = {s.labels["view"] for s in after[HTTP].samples}
    assert not any("metrics" in view or "healthz" in view for view in views)


def test_a_caller_from_elsewhere_is_refused_with_the_reason() -> None:
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics")
    assert response.status_code == 403
    assert response.json() == {"detail": REFUSED, "code": "permission_denied"}
    assert REFUSED == (
        "Metrics are for operators only: send the metrics token (Authorization: Bearer <token>) "
        "or scrape from an allowed network."
    )
    assert b"factcheck_" not in response.content


def test_the_token_lets_a_caller_from_elsewhere_in(settings: Any) -> None:
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert "factcheck_verdicts" in families(response)


@pytest.mark.parametrize(
    "header",
    [f"Bearer {'x' * 40}", f"Token {TOKEN}", "Bearer", f"Bearer {TOKEN}extra", f"Basic {TOKEN}"],
)
def test_a_wrong_token_is_refused_even_from_an_allowed_network(settings: Any, header: str) -> None:
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    response = Client().get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"detail": BAD_TOKEN, "code": "not_authenticated"}
    assert BAD_TOKEN == "The metrics token is not valid."
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_no_token_is_accepted_when_none_is_set(settings: Any) -> None:
    settings.FACTCHECK_METRICS_TOKEN = ""
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401


def test_an_allowed_network_scrapes_without_a_token(settings: Any) -> None:
    settings.FACTCHECK_METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "2001:db8::/32"]
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="2001:db8::7").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.21.0.1").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="not an address").get("/metrics").status_code == 403


def test_other_methods_are_refused() -> None:
    response = Client().post("/metrics")
    assert response.status_code == 405
    assert response.json() == {"detail": "Use GET.", "code": "method_not_allowed"}


def test_a_database_that_does_not_answer_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    import reviews.metrics

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(reviews.metrics, "desk_counts", down)
    response = Client().get("/metrics")
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_DOWN, "code": "unavailable"}
    assert DATABASE_DOWN == "The database did not answer; the metrics are read from it."


def test_multiprocess_mode_adds_up_every_workers_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Under gunicorn each worker process writes its HTTP histogram to PROMETHEUS_MULTIPROC_DIR; a scrape
    reads every file there. Another process records 7 requests; this one answers the scrape."""
    code = (
        "from prometheus_client import Histogram\n"
        f"h = Histogram({HTTP!r}, 'x', ['view', 'method'], registry=None)\n"
        "for _ in range(7): h.labels('reviews:queue', 'GET').observe(0.02)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert list(tmp_path.glob("histogram_*.db"))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    found = families(Client().get("/metrics"))
    assert http_count(found, "reviews:queue") == 7
    assert "factcheck_verdicts" in found


def _settings_error(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def test_a_short_token_is_refused_at_start() -> None:
    assert _settings_error(FACTCHECK_METRICS_TOKEN="short") == (
        "django.core.exceptions.ImproperlyConfigured: "
        "FACTCHECK_METRICS_TOKEN must be at least 32 characters long."
    )


def test_a_bad_network_is_refused_at_start() -> None:
    assert _settings_error(FACTCHECK_METRICS_ALLOWED_NETWORKS="10.0.0.0/8,intranet") == (
        "django.core.exceptions.ImproperlyConfigured: FACTCHECK_METRICS_ALLOWED_NETWORKS: "
        "'intranet' does not appear to be an IPv4 or IPv6 network."
    )


def test_the_scrape_is_answered_before_the_host_check_and_after_the_probes() -> None:
    from django.conf import settings

    assert settings.MIDDLEWARE[:4] == [
        "factcheck.request_id.RequestIdMiddleware",
        "factcheck.middleware.HealthCheckMiddleware",
        "factcheck.metrics.MetricsMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]
