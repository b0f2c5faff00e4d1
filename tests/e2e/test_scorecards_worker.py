"""Scorecards through real Celery worker processes, a real Redis and PostgreSQL.

Each test runs its own `redis-server` on a free port (never the shared one: these tests stop it, and a
short visibility timeout on a shared Redis would hand other people's unacknowledged messages around), and
starts workers with `factcheck.settings.local` against the test database. Publishing goes through
`publish_verdict` (tests/reviews/scorecard_fixtures.py), the stand-in for the editors' `verdict_publish`.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from factcheck.celery import app as celery_app
from reviews.models import Scorecard, Verdict, VerdictStatus
from reviews.selectors_scorecards import scorecards_stale_ids
from reviews.services.scorecards import scorecard_build
from tests.e2e.conftest import ROOT, _database_url, wait_for
from tests.reviews.scorecard_fixtures import (
    article_with_claims,
    checkworthy,
    ensure_rating_scale,
    publish_verdict,
)

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

# Redelivery of a message whose worker died without acknowledging it (acks_late): short here so the test
# does not wait the production five minutes.
VISIBILITY_TIMEOUT = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateRedis:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@dataclass
class Stack:
    redis: PrivateRedis
    directory: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(
        self, name: str, *, env: dict[str, str] | None = None, pool: str = "solo", beat: bool = False
    ) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "--logfile",
            str(self.log(name)),
            "--hostname",
            f"{name}@%h",
        ]
        if beat:
            command += ["--beat", "--schedule", str(self.directory / f"{name}-beat-schedule")]
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
                "DJANGO_DEBUG": "false",
                "DATABASE_URL": _database_url(),
                "CELERY_BROKER_URL": self.redis.url,
                "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "FACTCHECK_VAR_DIR": str(self.directory),
                **(env or {}),
            },
        )
        self.workers.append(worker)
        wait_for(lambda: "ready." in self.log_text(name), timeout=60, what=f"worker {name} to start")
        return worker

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def log_text(self, name: str) -> str:
        path = self.log(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)


def _drop_broker_connections() -> None:
    """Forget the app's pooled broker connections, so the next message goes to the current broker_url."""
    app: Any = celery_app  # the pools are private attributes; Celery resets them the same way after fork
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools in a global registry keyed by connection URL: without a reset, going back
    # to an earlier broker_url would hand out the pool closed above ("Acquire on closed pool").
    kombu_pools.reset()


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    """A private Redis, the test process's Celery app publishing to it, and a way to start workers.

    No serialized rollback: after an earlier transactional test's flush, Django re-creates the content
    types with new ids, and restoring the serialized ones then collided with them (Django ticket 23727)
    whenever this ran after the browser tests alone. tests/conftest.py re-seeds the reference rows."""
    ensure_rating_scale()
    redis = PrivateRedis(port=_free_port(), directory=tmp_path)
    redis.start()
    old = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    _drop_broker_connections()
    celery_app.conf.update(task_always_eager=False, broker_url=redis.url)
    running = Stack(redis=redis, directory=tmp_path)
    try:
        yield running
    finally:
        running.stop_all()
        _drop_broker_connections()
        celery_app.conf.update(task_always_eager=old[0], broker_url=old[1])
        redis.stop()
        for log in sorted(tmp_path.glob("*.log")):
            sys.stderr.write(f"--- {log.name} (tail) ---\n{log.read_text(errors='replace')[-3000:]}\n")


def _card(article_id: int) -> Scorecard | None:
    return Scorecard.objects.filter(article_id=article_id).first()


def _build_in_transaction() -> bool:
    """Whether another session on the test database sits inside an open transaction: a build between
    computing the content and writing it (the test delay holds it there)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


def _received_build_ids(log: str) -> list[str]:
    return re.findall(r"Task reviews\.scorecard_build\[([0-9a-f-]+)\] received", log)


def test_publishing_a_verdict_updates_the_scorecard_through_a_worker(stack: Stack) -> None:
    article = article_with_claims(3)
    first, second, _ = checkworthy(article)
    stack.start_worker("w1")

    publish_verdict(first, "false", citations=[("https://www.ons.gov.uk/trade", "ONS")])

    card = wait_for(
        lambda: Scorecard.objects.filter(article=article, data__published=1).first(),
        timeout=30,
        what="the worker to build the scorecard",
    )
    assert card.data["accuracy"]["score"] == 0.0
    assert card.data["top_domains"] == [{"domain": "ons.gov.uk", "citations": 1}]
    assert card.version == 1

    publish_verdict(second, "true")

    card = wait_for(
        lambda: Scorecard.objects.filter(article=article, data__published=2).first(),
        timeout=30,
        what="the second verdict on the scorecard",
    )
    assert (card.version, card.data["accuracy"]["score"]) == (2, 50.0)
    assert scorecards_stale_ids() == []
    assert re.search(
        r"reviews\.scorecard_build\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: 'built'", stack.log_text("w1")
    )


def test_the_real_workflow_reviewer_submits_editor_publishes_worker_builds(stack: Stack) -> None:
    """The services people use, end to end: a reviewer leases and submits, an editor publishes, and the
    scorecard (built by the worker after the publication commits) shows the verdict."""
    from django.contrib.auth.models import Group, User

    from reviews.services.queue import task_claim_next, task_submit
    from reviews.services.verdicts import CitationInput, VerdictInput, verdict_publish

    article = article_with_claims(2)
    reviewer = User.objects.create_user("e2e-reviewer")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    editor = User.objects.create_user("e2e-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    stack.start_worker("w1")

    leased = task_claim_next(reviewer=reviewer)
    assert leased is not None
    verdict = task_submit(
        task_id=leased.task.pk,
        reviewer=reviewer,
        lease_token=leased.task.lease_token,
        data=VerdictInput(
            rating="mostly-false",
            summary="The year is wrong.",
            citations=(CitationInput(url="https://www.ons.gov.uk/trade", publisher="ONS"),),
        ),
    )
    verdict_publish(verdict_id=verdict.pk, editor=editor)

    card = wait_for(
        lambda: Scorecard.objects.filter(article=article, data__published=1).first(),
        timeout=30,
        what="the worker to build the scorecard after the publication",
    )
    assert card.data["top_domains"] == [{"domain": "ons.gov.uk", "citations": 1}]
    assert scorecards_stale_ids() == []


def test_a_worker_killed_mid_build_loses_nothing(stack: Stack) -> None:
    """SIGKILL the whole worker (solo pool) while a build sits between computing and writing: the build's
    transaction dies with it, the message was never acknowledged (acks_late), and Redis hands it to the
    next worker after the visibility timeout. No sweeper runs here: only redelivery can repair it."""
    article = article_with_claims(3)
    scorecard_build(article_id=article.pk)
    doomed = stack.start_worker("doomed", env={"FACTCHECK_SCORECARD_TEST_DELAY": "120"})

    publish_verdict(checkworthy(article)[0], "false")

    wait_for(_build_in_transaction, timeout=30, what="the worker to be in the middle of the build")
    (task_id,) = _received_build_ids(stack.log_text("doomed"))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    killed_at = time.monotonic()
    wait_for(lambda: not _build_in_transaction(), timeout=10, what="PostgreSQL to roll the build back")
    card = _card(article.pk)
    assert card is not None
    assert (card.version, card.data["published"]) == (1, 0), "nothing of the killed build was written"

    # The unacknowledged message becomes visible again VISIBILITY_TIMEOUT seconds after delivery; the
    # next worker restores such messages as it starts.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    stack.start_worker("survivor")

    card = wait_for(
        lambda: Scorecard.objects.filter(article=article, data__published=1).first(),
        timeout=60,
        what="the redelivered build",
    )
    assert card.version == 2
    assert _received_build_ids(stack.log_text("survivor")) == [task_id], "the same message, redelivered"
    assert scorecards_stale_ids() == []


def test_a_pool_process_killed_mid_build_is_retried_at_once(stack: Stack) -> None:
    """Prefork: SIGKILL the pool process running the build; the worker rejects the message back to the
    queue (reject_on_worker_lost) and a fresh pool process builds it, with no restart and no wait."""
    article = article_with_claims(3)
    scorecard_build(article_id=article.pk)
    worker = stack.start_worker("prefork", pool="prefork", env={"FACTCHECK_SCORECARD_TEST_DELAY": "3"})

    publish_verdict(checkworthy(article)[0], "false")

    wait_for(_build_in_transaction, timeout=30, what="the pool process to be in the middle of the build")
    children = [
        int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _parent_pid(int(pid)) == worker.pid
    ]
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGKILL)

    card = wait_for(
        lambda: Scorecard.objects.filter(article=article, data__published=1).first(),
        timeout=60,
        what="the rejected message to be built by a new pool process",
    )
    assert card.version == 2
    log = stack.log_text("prefork")
    assert "exited with 'signal 9 (SIGKILL)'" in log
    first, *again = _received_build_ids(log)
    assert again == [first], "the same message, received a second time"
    assert worker.poll() is None, "the worker itself kept running"


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_a_broker_outage_loses_no_publication_and_the_sweeper_catches_up(stack: Stack, caplog) -> None:
    """Stop Redis, publish: the verdicts are saved and the scorecards go stale. Start Redis: beat (inside
    the worker) runs the sweeper, which rebuilds every stale scorecard. The restarted Redis is empty, so
    nothing sent before the outage helps."""
    articles = [article_with_claims(2) for _ in range(3)]
    for article in articles:
        scorecard_build(article_id=article.pk)
    stack.start_worker("beat", beat=True, env={"FACTCHECK_SCORECARD_SWEEP_SECONDS": "1"})

    stack.redis.stop()
    with caplog.at_level(logging.WARNING, logger="reviews.services.scorecards"):
        for article in articles:
            started = time.monotonic()
            publish_verdict(checkworthy(article)[0], "mostly-false")
            assert time.monotonic() - started < 3, "publishing does not hang on the broker"

    assert Verdict.objects.filter(status=VerdictStatus.PUBLISHED).count() == 3, "every publication saved"
    refused = f"Error 111 connecting to 127.0.0.1:{stack.redis.port}. Connection refused."
    assert caplog.messages == [
        f"Scorecard build for article {article.pk} was not queued ({refused}); "
        "the stale-scorecard sweeper will rebuild it."
        for article in articles
    ]
    assert scorecards_stale_ids() == sorted(article.pk for article in articles)

    stack.redis.start()

    wait_for(lambda: not scorecards_stale_ids(), timeout=120, what="the sweeper to rebuild every scorecard")
    for article in articles:
        card = _card(article.pk)
        assert card is not None
        assert (card.version, card.data["published"], card.data["accuracy"]["score"]) == (2, 1, 25.0)
    log = stack.log_text("beat")
    assert "reviews.scorecards_sweep_stale" in log
    assert re.search(r"reviews\.scorecards_build_chunk\[[0-9a-f-]+\] succeeded", log)
