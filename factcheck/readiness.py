"""What `GET /readyz` checks: the database, the shared cache and the Celery broker, each with a short
timeout.

`/healthz` is the liveness probe (the process serves and reaches its database): restarting the web
process cures nothing when Redis is down. `/readyz` is for operators and load balancers that want to
know whether everything behind the app answers. The API keeps serving while the cache or the broker is
down (rate limits and the published cache fall back to the database; work for the workers is recorded
in PostgreSQL and sent later), so take an instance out of rotation only for the database.

Each check talks to its server directly, not through the cache backend or Celery's producer pool: those
are built to hide an outage from requests (fail open, retry), which is the opposite of what a probe
needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Seconds to connect and to wait for an answer: a probe must answer well inside its own timeout.
TIMEOUT = 1.0

OK = "ok"
NOT_USED = "not used"
UNREACHABLE = "unreachable"


def _redis_ping(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def check_cache() -> str:
    """The default cache's Redis server; a per-process cache (the demo's) has no server to check."""
    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        return NOT_USED
    location = cache["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
    return _redis_ping(url)


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return _redis_ping(url)
    if url.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        if not folder.is_dir():
            raise OSError(f"no broker folder {folder}")
        return OK
    # Any other transport: connect the way Celery does, once, without its retries.
    from factcheck.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Every check's answer ("ok", "not used" or "unreachable") and whether none is unreachable. The
    reason goes to the log only: the probe answers anyone, and connection errors name internal hosts."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            logger.warning("Readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = UNREACHABLE
    return UNREACHABLE not in results.values(), results
