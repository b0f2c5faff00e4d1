"""A real Celery worker process consuming from Redis, sharing the test database.

The worker runs the project's own code in a separate process with the test database's URL, on a queue
private to this test run, so it never picks up anybody else's messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from factcheck.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.fixture
def worker_extra_env() -> dict[str, str]:
    """Environment variables the worker gets besides the database and broker; a test module overrides
    this fixture to set more (tests/e2e/test_notifications_worker.py: where mail goes)."""
    return {}


@pytest.fixture
def celery_worker_process(
    transactional_db: None, tmp_path: Path, worker_extra_env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `celery worker` against Redis and the test database; route this process's tasks to it."""
    broker = settings.FACTCHECK_TEST_REDIS_URL
    assert broker, "broker tests are skipped without Redis (and fail under CI)"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        # What the worker's own tasks send (a feed poll's article extractions) stays on this queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "FACTCHECK_VAR_DIR": str(tmp_path),
        **worker_extra_env,
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "--logfile",
            str(log),
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, _ = old
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        if log.exists():
            sys.stderr.write(log.read_text()[-4000:])


def wait_for(predicate, *, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
