"""GET /readyz: the database, the shared cache and the broker, each checked against its own server."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis(settings: Any) -> str:
    if not django_settings.FACTCHECK_TEST_REDIS_URL:
        pytest.skip("needs Redis: " + str(django_settings.FACTCHECK_TEST_SERVICES_PROBLEMS["redis"]))
    return str(django_settings.FACTCHECK_TEST_REDIS_URL)


def _redis_cache(url: str) -> dict[str, dict[str, str]]:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


def test_ready_when_everything_answers(settings: Any) -> None:
    url = _redis(settings)
    settings.CELERY_BROKER_URL = url
    settings.CACHES = _redis_cache(url)
    settings.ALLOWED_HOSTS = ["factcheck.example.org"]
    response = Client().get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


def test_a_per_process_cache_is_not_checked(settings: Any) -> None:
    settings.CELERY_BROKER_URL = _redis(settings)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert Client().get("/readyz").json()["checks"]["cache"] == "not used"


def test_unavailable_when_the_broker_is_down(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = _redis(settings)
    port = _closed_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = _redis_cache(url)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", "broker": "unreachable"},
    }
    assert f"Readiness check broker failed: ConnectionError: Error 111 connecting to 127.0.0.1:{port}" in (
        caplog.text
    )
    assert str(port) not in response.content.decode(), "the answer names no internal host"


def test_unavailable_when_the_cache_is_down(settings: Any) -> None:
    settings.CELERY_BROKER_URL = _redis(settings)
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_closed_port()}/1")
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unreachable", "broker": "ok"}


def test_unavailable_when_the_database_is_down(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError, connection

    settings.CELERY_BROKER_URL = _redis(settings)

    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"


def test_the_liveness_probe_stays_as_it_was_while_the_broker_is_down(settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_the_readiness_probe_refuses_other_methods() -> None:
    assert Client().post("/readyz").status_code == 405


def test_a_redis_that_stops_makes_the_probe_name_both_its_uses(settings: Any) -> None:
    """A private redis-server on a free port as broker and cache: ready while it runs, 503 naming the
    cache and the broker once it is stopped, ready again when it is back."""
    from tests.reviews.private_redis import private_redis

    with private_redis() as redis:
        settings.CELERY_BROKER_URL = redis.url
        settings.CACHES = _redis_cache(redis.url)
        assert Client().get("/readyz").status_code == 200
        redis.stop()
        response = Client().get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "ok", "cache": "unreachable", "broker": "unreachable"},
        }
        redis.start()
        assert Client().get("/readyz").json()["status"] == "ready"
