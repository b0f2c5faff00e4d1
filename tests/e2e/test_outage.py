"""The outage drill of issue 18: people keep working while Redis goes away and the worker is killed.

On PostgreSQL and a private `redis-server` (tests/e2e/test_scorecards_worker.py's `stack`), the broker
and the shared cache (rate limits, published cache) of the web side, which runs in this process through
Django's test client. One Celery worker with beat runs under `deploy/keep-running`, as `./run demo` runs
it. While three reviewers lease and submit, an editor publishes and submits articles, and two readers
poll the feeds and scorecards:

1. the worker is SIGKILLed and Redis stopped for `OUTAGE` seconds (a restarted Redis is empty: every
   message queued or unacknowledged before is gone);
2. Redis comes back; keep-running has started the worker again meanwhile.

Then every change a request acknowledged is stored, no article is pending, every scorecard equals what
the database says within `RECOVERY` seconds, and no request answered 5xx except a documented 503 (JSON
error shape, Retry-After). The figures (requests served during the outage, time to recover) are printed
for docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from reviews.cache_outage import cache_outage
from reviews.models import Article, ArticleStatus, MatchingStatus, Scorecard, Verdict, VerdictStatus
from reviews.selectors_scorecard_data import scorecard_data
from reviews.selectors_scorecards import scorecards_stale_ids
from reviews.services.scorecards import scorecard_build
from tests.e2e.conftest import ROOT, _database_url, wait_for
from tests.e2e.test_scorecards_worker import VISIBILITY_TIMEOUT, Stack
from tests.e2e.test_scorecards_worker import stack as stack  # the fixture
from tests.reviews.scorecard_fixtures import article_with_claims

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

OUTAGE = 20.0  # seconds without Redis (and without the worker at first)
WARM_UP = 4.0
AFTER = 4.0  # seconds of traffic once Redis is back
RECOVERY = 60.0  # the bound on "every scorecard is right"
KEEP_RUNNING = ROOT / "deploy" / "keep-running"


@dataclass
class Answer:
    at: float
    who: str
    method: str
    path: str
    status: int
    body: Any = None
    retry_after: str | None = None


@dataclass
class Ledger:
    """What the traffic did: every answer, and every change a 2xx acknowledged."""

    answers: list[Answer] = field(default_factory=list)
    submitted: set[int] = field(default_factory=set)  # verdict ids
    published: set[int] = field(default_factory=set)
    articles: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)


class Actor:
    def __init__(self, who: str, token: str | None, ledger: Ledger) -> None:
        self.who = who
        self.client = Client(HTTP_AUTHORIZATION=f"Token {token}") if token else Client()
        self.ledger = ledger

    def call(self, method: str, path: str, data: Any = None) -> Answer:
        try:
            if method == "GET":
                response = self.client.get(path)
            else:
                response = self.client.post(path, data or {}, content_type="application/json")
            body: Any = (
                response.json() if response.get("Content-Type", "").startswith("application/") else None
            )
            answer = Answer(
                time.monotonic(),
                self.who,
                method,
                path,
                response.status_code,
                body,
                response.get("Retry-After"),
            )
        except Exception as exc:
            answer = Answer(time.monotonic(), self.who, method, path, 500, repr(exc))
        self.ledger.add(answer)
        return answer


def _reviewer(actor: Actor, stop: threading.Event) -> None:
    while not stop.is_set():
        task = actor.call("POST", "/api/v1/queue/next")
        if task.status != 200:
            time.sleep(0.2)
            continue
        body = {
            "lease_token": task.body["lease_token"],
            "rating": "mostly-false",
            "summary": f"Checked by {actor.who}.",
            "citations": [{"url": "https://stats.example.org/table", "title": "Table 4"}],
        }
        done = actor.call("POST", f"/api/v1/tasks/{task.body['id']}/submit", body)
        if done.status == 201:
            with actor.ledger.lock:
                actor.ledger.submitted.add(int(done.body["id"]))


ARTICLE = (
    "Harbour traffic report {n}\n\nBy Desk {n}\n\n"
    "The port of Basra handled {n} million tonnes of cargo in 2023, the transport ministry said. "
    "Imports of grain rose by {n} percent compared with the previous year. "
    "Officials expect exports to double by 2030.\n"
)


def _editor(actor: Actor, stop: threading.Event) -> None:
    numbers = itertools.count(1)
    last_article = 0.0
    while not stop.is_set():
        if time.monotonic() - last_article > 1.5:
            last_article = time.monotonic()
            sent = actor.call("POST", "/api/v1/articles/", {"text": ARTICLE.format(n=next(numbers))})
            if sent.status in (200, 202):
                with actor.ledger.lock:
                    actor.ledger.articles.add(int(sent.body["id"]))
        listing = actor.call("GET", "/api/v1/verdicts/?status=submitted")
        ids = [row["id"] for row in listing.body.get("results", [])] if listing.status == 200 else []
        for verdict_id in ids[:3]:
            published = actor.call("POST", f"/api/v1/verdicts/{verdict_id}/publish")
            if published.status == 200:
                with actor.ledger.lock:
                    actor.ledger.published.add(verdict_id)
        if not ids:
            time.sleep(0.2)


def _reader(actor: Actor, stop: threading.Event, article_ids: list[int]) -> None:
    paths = itertools.cycle(
        ["/api/v1/verdicts/", "/api/v1/claimreview/"] + [f"/api/v1/scorecards/{pk}/" for pk in article_ids]
    )
    while not stop.is_set():
        actor.call("GET", next(paths))
        time.sleep(0.05)


def _run(target: Callable[..., None], *args: Any) -> threading.Thread:
    def body() -> None:
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def _user(name: str, group: str | None, **extra: Any) -> str:
    user = User.objects.create_user(name, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return Token.objects.create(user=user).key


def _worker_env(stack: Stack) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": stack.redis.url,
        "CACHE_URL": _cache_url(stack),
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "FACTCHECK_VAR_DIR": str(stack.directory),
        "FACTCHECK_SCORER": "heuristic",
        "FACTCHECK_SCORECARD_SWEEP_SECONDS": "1",
        "FACTCHECK_EXTRACT_SWEEP_SECONDS": "1",
        "FACTCHECK_EXTRACT_RESEND_SECONDS": "3",
        "FACTCHECK_MATCH_SWEEP_SECONDS": "1",
        "FACTCHECK_MATCH_RESEND_SECONDS": "3",
    }


def _cache_url(stack: Stack) -> str:
    return f"redis://127.0.0.1:{stack.redis.port}/1"


def _start_supervised_worker(stack: Stack) -> tuple[subprocess.Popen[bytes], Path]:
    log, pidfile = stack.log("worker"), stack.directory / "worker.pid"
    supervisor = subprocess.Popen(
        [
            str(KEEP_RUNNING),
            "--log",
            str(log),
            "--",
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--beat",
            "--schedule",
            str(stack.directory / "beat-schedule"),
            "--loglevel",
            "INFO",
            "--logfile",
            str(log),
            "--pidfile",
            str(pidfile),
            "--hostname",
            "outage@%h",
        ],
        cwd=ROOT,
        env=_worker_env(stack),
        stderr=subprocess.DEVNULL,
    )
    stack.workers.append(supervisor)
    wait_for(lambda: "ready." in stack.log_text("worker"), timeout=60, what="the worker to start")
    return supervisor, pidfile


def _errors(answers: list[Answer]) -> list[Answer]:
    """5xx answers other than a documented 503 (JSON error shape with Retry-After)."""
    return [
        a
        for a in answers
        if a.status >= 500
        and not (
            a.status == 503
            and a.retry_after
            and isinstance(a.body, dict)
            and set(a.body) >= {"detail", "code", "errors"}
        )
    ]


@pytest.fixture
def web_on_private_redis(stack: Stack) -> Iterator[None]:
    """This process is the web side: its default cache (the API's rate limits and the published cache)
    is the private Redis, as CACHE_URL makes it in production, and so is its broker (`stack`). Stopping
    Redis then takes away the throttles' counters, the published cache and the broker at once."""
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_url(stack),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    cache_outage.down = False
    with override_settings(
        CACHES={"default": cache}, FACTCHECK_PUBLISHED_CACHE=True, FACTCHECK_EXTRACT_RESEND_SECONDS=3
    ):
        yield
    cache_outage.down = False


@pytest.mark.usefixtures("web_on_private_redis")
def test_an_outage_of_redis_and_the_worker_loses_nothing_and_heals(
    stack: Stack, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    supervisor, pidfile = _start_supervised_worker(stack)
    try:
        _drill(stack, pidfile, capsys, caplog)
    finally:
        _stop(supervisor, pidfile)


def _stop(supervisor: subprocess.Popen[bytes], pidfile: Path) -> None:
    """Stop keep-running and its worker. A worker left behind (seen once when keep-running was killed
    during the worker's warm shutdown) would go on logging beat errors for ever."""
    supervisor.terminate()
    try:
        supervisor.wait(timeout=40)
    except subprocess.TimeoutExpired:
        supervisor.kill()
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pidfile.read_text()), signal.SIGKILL)


def _drill(
    stack: Stack, pidfile: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    articles = [article_with_claims(12) for _ in range(3)]
    for article in articles:
        scorecard_build(article_id=article.pk)
    reviewers = [_user(f"outage-reviewer-{n}", "Reviewers") for n in range(3)]
    editor = _user("outage-editor", "Editors", is_staff=True)
    consumer = _user("outage-consumer", None)

    ledger, stop = Ledger(), threading.Event()
    threads = [_run(_reviewer, Actor(f"reviewer-{n}", key, ledger), stop) for n, key in enumerate(reviewers)]
    threads.append(_run(_editor, Actor("editor", editor, ledger), stop))
    ids = [article.pk for article in articles]
    threads.append(_run(_reader, Actor("anonymous", None, ledger), stop, ids))
    threads.append(_run(_reader, Actor("consumer", consumer, ledger), stop, ids))
    try:
        time.sleep(WARM_UP)
        killed = int(pidfile.read_text())
        os.kill(killed, signal.SIGKILL)
        stack.redis.stop()
        outage_started = time.monotonic()
        time.sleep(OUTAGE)
        stack.redis.start()
        outage_ended = time.monotonic()
        time.sleep(AFTER)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    def healed() -> bool:
        pending = Article.objects.filter(status=ArticleStatus.PENDING).exists()
        # Matching runs after extraction, in its own task, and moves open conflicts (which scorecards
        # count) only when it is done: a ready article still waiting for it is not healed yet.
        unmatched = Article.objects.ready().exclude(matching_status=MatchingStatus.DONE).exists()
        return not pending and not unmatched and not scorecards_stale_ids()

    wait_for(healed, timeout=RECOVERY, what="no pending or unmatched article and no stale scorecard")
    recovered_in = time.monotonic() - outage_ended

    # Nothing a request acknowledged is lost.
    assert ledger.submitted, "reviewers submitted verdicts"
    assert ledger.published, "the editor published verdicts"
    stored = set(Verdict.objects.filter(pk__in=ledger.submitted).values_list("pk", flat=True))
    assert stored == ledger.submitted
    published = Verdict.objects.filter(pk__in=ledger.published, status=VerdictStatus.PUBLISHED).count()
    assert published == len(ledger.published)
    assert set(Article.objects.filter(pk__in=ledger.articles).values_list("pk", flat=True)) == ledger.articles
    assert not Article.objects.filter(status=ArticleStatus.PENDING).exists()
    submitted_in_outage = [
        a for a in ledger.answers if a.path == "/api/v1/articles/" and outage_started <= a.at <= outage_ended
    ]
    assert any(a.status == 202 for a in submitted_in_outage), "articles were accepted during the outage"

    # Every scorecard says what the database says, open conflicts (claim matching, issue 17) included.
    for card in Scorecard.objects.all():
        assert card.data == scorecard_data(article=card.article_id), card.article_id

    # The web side's cache failed open and said so once per outage, not per request, and came back; the
    # broker's refusals were logged with what redoes the work. A connection Redis closes while it comes
    # back up ("Connection closed by server.") is a second, short outage: each one is a down/up pair, the
    # last ends with the cache answering, and there are a handful at most, never one per request.
    outage_log = [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "reviews.cache_outage"]
    pair = [
        "The cache is unreachable",
        "The cache answers again: rate limits and the published cache are back in use.",
    ]
    outages = len(outage_log) // 2
    assert 1 <= outages <= 3, outage_log
    assert outage_log == pair * outages, outage_log
    assert any("was not queued" in r.getMessage() for r in caplog.records), "the broker was down"
    # The published cache serves what the database says once Redis is back.
    for path in ("/api/v1/verdicts/", "/api/v1/claimreview/"):
        cached = [Client().get(path).content for _ in range(2)]
        with override_settings(FACTCHECK_PUBLISHED_CACHE=False):
            assert cached == [Client().get(path).content] * 2, path

    # No 5xx but documented 503s; the worker was restarted by keep-running and reported.
    assert _errors(ledger.answers) == []
    assert int(pidfile.read_text()) != killed
    assert "keep-running: " in stack.log_text("worker")

    during = [a for a in ledger.answers if outage_started <= a.at <= outage_ended]
    served = Counter("2xx" if a.status < 300 else str(a.status) for a in during)
    with capsys.disabled():
        sys.stdout.write(
            f"\noutage drill: {len(ledger.answers)} requests, {len(during)} during the {OUTAGE:.0f} s outage "
            f"({dict(served)}); submitted {len(ledger.submitted)}, published {len(ledger.published)}, "
            f"articles {len(ledger.articles)}; healed {recovered_in:.1f} s after Redis came back\n"
        )
    assert served["2xx"] > 0, "requests were served during the outage"
