"""Test settings.

The suite runs on PostgreSQL and Redis whenever they are reachable (they are on developer machines and
in CI). Without them it falls back to SQLite and skips the tests that need row locks or a real broker,
except under `CI=true`, where a missing service is an error: CI must never go green by skipping.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import psycopg
from django.core.exceptions import ImproperlyConfigured

from factcheck.settings.base import *  # noqa: F403
from factcheck.settings.base import VAR_DIR, env, postgres_session

SECRET_KEY = "django-insecure-test-only"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IN_CI = env.bool("CI", default=False)

_pg_url = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/factcheck")
_redis_url = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")


def _postgres_reachable(url: str) -> str | None:
    """None when a connection to the server's maintenance database works, else the reason."""
    parts = urlsplit(url)
    try:
        psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _redis_reachable(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return "did not answer PING"
    except OSError as exc:
        return str(exc)
    return None


_pg_problem = (
    _postgres_reachable(_pg_url) if _pg_url.startswith("postgres") else "DATABASE_URL is not PostgreSQL"
)
_redis_problem = _redis_reachable(_redis_url) if _redis_url.startswith("redis") else "broker is not Redis"

if IN_CI and (_pg_problem or _redis_problem):
    raise ImproperlyConfigured(
        "CI=true requires PostgreSQL and Redis for the test suite, and never skips their tests. "
        f"PostgreSQL ({_pg_url}): {_pg_problem or 'ok'}; Redis ({_redis_url}): {_redis_problem or 'ok'}. "
        "Start them (see README, section './run test') or point DATABASE_URL / CELERY_BROKER_URL at them."
    )

FACTCHECK_TEST_POSTGRES = _pg_problem is None
FACTCHECK_TEST_SERVICES_PROBLEMS = {"postgres": _pg_problem, "redis": _redis_problem}
FACTCHECK_TEST_REDIS_URL: str | None = _redis_url if _redis_problem is None else None

if FACTCHECK_TEST_POSTGRES:
    DATABASES = {"default": env.db_url_config(_pg_url)}
    DATABASES["default"]["TEST"] = {"NAME": env.str("FACTCHECK_TEST_DB_NAME", default="test_factcheck")}
    postgres_session(DATABASES["default"])
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "test.sqlite3")}}

# Tasks run in-process at send time unless a test starts a real worker (tests/e2e): eager execution keeps
# unit tests independent of a broker while the services still send through `delay_on_commit`.
CELERY_BROKER_URL = _redis_url if FACTCHECK_TEST_REDIS_URL else "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Mail is kept in django.core.mail.outbox (pytest-django empties it for each test).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Tests that write exports point this at their own temporary folder (`exports_dir`, tests/conftest.py).
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-exports"), "base_url": None},
    },
}

# Throttling stays on, as in production, at rates no test reaches (tests/reviews/api/
# test_public_throttling.py lowers them for itself).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "1000000/minute", "user": "1000000/minute"}  # noqa: F405

# The published cache is off by default here (many tests change rows directly, as no service would);
# tests of the cache itself turn it on (tests/reviews/api/test_published_cache.py).
FACTCHECK_PUBLISHED_CACHE = False
