"""Scorecard benchmarks (issue 6), on PostgreSQL and a private Redis, with real Celery worker processes.

    .venv/bin/python bench/scorecards.py [--samples 100] [--articles 10000] [--json]

(a) publish -> scorecard-updated latency: one solo worker; each sample publishes a verdict (a published
    verdict, its citation and the task marked done, then `scorecard_request`, in one transaction, as the
    editors' `verdict_publish` does) and polls every 5 ms until the article's scorecard is built from
    that change. Target: p95 under 1 s. The build countdown (FACTCHECK_SCORECARD_BUILD_COUNTDOWN, 0.25 s by
    default) is part of it, on purpose: it is what lets a burst of changes share one build.
(b) one build of an article with 500 check-worthy claims (and 500 more scored sentences), 250 of them
    published with two citations each, timed in this process (`scorecard_build` after marking the article
    stale); and the query count of that build next to one for a 5-claim article. Target: under 50 ms, and
    the same query count.
(c) `manage.py rebuild_scorecards --all` over 10,000 articles (10 claims, 3 published verdicts and 6
    citations each; every scorecard built by an older definition) with 2 solo worker processes, timed
    from the command's start to every scorecard being current. Target: at least 500 articles/s.

(c) runs first, and its articles stay: (b) and (a) then run against some 100,000 claims and tasks, not an
empty database.

The database is `factcheck_bench_scorecards` (dropped and re-created); Redis is a private `redis-server`
on a free port, stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on sys.path, where a benchmark module can shadow the standard
# library (bench/queue.py hides `queue`, which psycopg imports); the project root is what this needs.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import ROOT, fresh_database, machine, migrate, setup_django  # noqa: E402

DATABASE = "factcheck_bench_scorecards"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    redis = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(directory), "--loglevel", "warning"),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return redis
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def start_worker(
    name: str, database_url: str, broker_url: str, directory: Path, *, concurrency: int = 1
) -> subprocess.Popen[bytes]:
    """A Celery worker: one process (solo pool, as the demo runs it) or, with `concurrency` above 1, a
    prefork pool of that many child processes (as docker-compose.yml and the systemd unit run it)."""
    log = directory / f"{name}.log"
    pool = ["--pool", "solo"]
    if concurrency > 1:
        pool = ["--pool", "prefork", "--concurrency", str(concurrency)]
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "factcheck", "worker", *pool),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"),
            *("--logfile", str(log), "--hostname", f"{name}@%h"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "FACTCHECK_VAR_DIR": str(directory),
        },
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and "ready." in log.read_text(errors="replace"):
            return worker
        time.sleep(0.2)
    raise RuntimeError(f"worker {name} did not start; see {log}")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum does for a live database: with
    none, PostgreSQL guesses a handful of rows per table and picks nested loops that rescan everything."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- data ------------------------------------------------------------------------------------------


def seed_articles(
    count: int, *, claims: int, published: int, citations: int, sentences: int = 0
) -> list[int]:
    """Bulk-insert `count` extracted articles with `claims` claims (one task each) and `sentences` other
    scored sentences; the first `published` claims get a published verdict with `citations` citations."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from reviews.models import (
        Article,
        ArticleStatus,
        Citation,
        Claim,
        ClaimStatus,
        RatingLabel,
        ReviewTask,
        TaskStatus,
        Verdict,
        VerdictStatus,
    )

    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    labels = list(RatingLabel.objects.order_by("order"))
    now = timezone.now()
    queued = now - dt.timedelta(hours=5)
    first = Article.objects.count()
    with transaction.atomic():
        articles = Article.objects.bulk_create(
            (
                Article(
                    title=f"Bench article {first + n}",
                    publisher=f"Publisher {n % 13}",
                    raw_text=f"bench {first + n}",
                    body=f"bench {first + n}",
                    content_hash=f"bench-{first + n:058d}",
                    status=ArticleStatus.READY,
                )
                for n in range(count)
            ),
            batch_size=2000,
        )
        claim_rows = Claim.objects.bulk_create(
            (
                Claim(
                    article=article,
                    text=f"Claim {index} of article {article.pk}: exports rose {index}% in 2020.",
                    start=index * 60,
                    end=index * 60 + 50,
                    sentence_index=index,
                    score=0.9 if index < claims else 0.1,
                    status=ClaimStatus.CLAIM if index < claims else ClaimStatus.SENTENCE,
                )
                for article in articles
                for index in range(claims + sentences)
            ),
            batch_size=5000,
        )
        checkworthy = [claim for claim in claim_rows if claim.status == ClaimStatus.CLAIM]
        ReviewTask.objects.bulk_create(
            (
                ReviewTask(
                    claim=claim,
                    priority=900,
                    created_at=queued,
                    status=TaskStatus.DONE if claim.sentence_index < published else TaskStatus.AVAILABLE,
                    reviewer=reviewer if claim.sentence_index < published else None,
                )
                for claim in checkworthy
            ),
            batch_size=5000,
        )
        verdicts = Verdict.objects.bulk_create(
            (
                Verdict(
                    claim=claim,
                    rating=labels[claim.sentence_index % len(labels)],
                    status=VerdictStatus.PUBLISHED,
                    reviewer=reviewer,
                    editor=reviewer,
                    published_at=queued + dt.timedelta(minutes=10 + claim.sentence_index),
                )
                for claim in checkworthy
                if claim.sentence_index < published
            ),
            batch_size=5000,
        )
        Citation.objects.bulk_create(
            (
                Citation(
                    verdict=verdict,
                    url=f"https://www.source{(verdict.pk + n) % 17}.example.org/report/{verdict.pk}/{n}",
                    publisher=f"Source {(verdict.pk + n) % 17}",
                    position=n,
                )
                for verdict in verdicts
                for n in range(citations)
            ),
            batch_size=5000,
        )
    return [article.pk for article in articles]


# --- (a) latency -----------------------------------------------------------------------------------


def publish_one(claim_id: int) -> int:
    """Publish a verdict on the claim the way `verdict_publish` does; returns the article id."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from reviews.models import Citation, Claim, RatingLabel, ReviewTask, TaskStatus, Verdict, VerdictStatus
    from reviews.services.scorecards import scorecard_request

    reviewer = User.objects.get(username="bench-reviewer")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        task = ReviewTask.objects.select_for_update().filter(claim=claim, status=TaskStatus.AVAILABLE).first()
        if task is not None:
            task.status, task.reviewer = TaskStatus.DONE, reviewer
            task.save(update_fields=["status", "reviewer", "updated_at"])
        verdict = Verdict.objects.create(
            claim=claim,
            task=task,
            rating=RatingLabel.objects.get(slug="mostly-false"),
            status=VerdictStatus.PUBLISHED,
            reviewer=reviewer,
            editor=reviewer,
            published_at=timezone.now(),
        )
        Citation.objects.create(verdict=verdict, url="https://www.ons.gov.uk/trade", publisher="ONS")
        scorecard_request(article=claim.article_id)
    return claim.article_id


def bench_latency(samples: int, database_url: str, broker_url: str, directory: Path) -> dict[str, Any]:
    from django.conf import settings
    from django.db.models import F

    from reviews.models import Article, Claim, ClaimStatus, Scorecard, VerdictStatus
    from reviews.services.scorecards import scorecards_build

    article_ids = seed_articles(20, claims=20, published=0, citations=0)
    analyze()
    scorecards_build(article_ids=article_ids)
    claims = list(
        Claim.objects.filter(article_id__in=article_ids, status=ClaimStatus.CLAIM)
        .exclude(verdicts__status=VerdictStatus.PUBLISHED)
        .order_by("sentence_index", "article_id")
        .values_list("pk", flat=True)[:samples]
    )
    worker = start_worker("latency", database_url, broker_url, directory)
    latencies = []
    try:
        for claim_id in claims:
            started = time.perf_counter()
            article_id = publish_one(claim_id)
            changed_at = Article.objects.values_list("changed_at", flat=True).get(pk=article_id)
            deadline = started + 10
            while not Scorecard.objects.filter(
                article_id=article_id, source_changed_at__gte=changed_at
            ).exists():
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"scorecard of article {article_id} not updated within 10 s")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        stop([worker])
    assert Scorecard.objects.filter(source_changed_at__lt=F("article__changed_at")).count() == 0
    return {
        "samples": len(latencies),
        "countdown_s": settings.FACTCHECK_SCORECARD_BUILD_COUNTDOWN,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


# --- (b) one big build -----------------------------------------------------------------------------


def bench_one_build(runs: int = 40) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.services.scorecards import scorecard_build, scorecards_mark_stale

    (big,) = seed_articles(1, claims=500, sentences=500, published=250, citations=2)
    (small,) = seed_articles(1, claims=5, published=3, citations=2)
    analyze()
    queries = {}
    for name, article_id in (("5 claims", small), ("500 claims", big)):
        scorecard_build(article_id=article_id)
        scorecards_mark_stale(article_ids=[article_id])
        with CaptureQueriesContext(connection) as captured:
            scorecard_build(article_id=article_id)
        queries[name] = len(captured.captured_queries)
    timings = []
    for _ in range(runs):
        scorecards_mark_stale(article_ids=[big])
        started = time.perf_counter()
        card = scorecard_build(article_id=big)
        timings.append(time.perf_counter() - started)
    assert card is not None
    assert card.data["published"] == 250
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(percentile(timings, 0.95) * 1000, 1),
        "min_ms": round(min(timings) * 1000, 1),
        "queries": queries,
    }


# --- (c) rebuilding 10,000 articles ----------------------------------------------------------------


def bench_rebuild(count: int, database_url: str, broker_url: str, directory: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from reviews.models import Article, Scorecard
    from reviews.selectors_scorecards import scorecards_stale_count

    started = time.perf_counter()
    article_ids = seed_articles(count, claims=10, published=3, citations=2)
    # Every article has a scorecard from an older definition: the situation after a deploy that changes
    # what a scorecard shows.
    Scorecard.objects.bulk_create(
        (
            Scorecard(article_id=pk, data={"format": 1}, source_changed_at="2020-01-01T00:00:00Z")
            for pk in article_ids
        ),
        batch_size=5000,
    )
    analyze()
    seeded = time.perf_counter() - started
    workers = [start_worker(f"rebuild{n}", database_url, broker_url, directory) for n in (1, 2)]
    try:
        total = Article.objects.ready().count()  # --all rebuilds every extracted article, earlier ones too
        started = time.perf_counter()
        call_command("rebuild_scorecards", "--all", "--no-progress", "--timeout", "600")
        elapsed = time.perf_counter() - started
    finally:
        stop(workers)
    return {
        "articles": total,
        "seconds": round(elapsed, 2),
        "articles_per_s": round(total / elapsed, 1),
        "seed_seconds": round(seeded, 1),
        "stale_after": scorecards_stale_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=100, help="Latency samples for (a).")
    parser.add_argument("--articles", type=int, default=10_000, help="Articles rebuilt in (c).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="bench-scorecards-"))
    port = free_port()
    redis = start_redis(port, directory)
    broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        database_url = fresh_database(DATABASE)
        setup_django(database_url, broker_url=broker_url)
        step(f"migrating {DATABASE}")
        migrate()
        result: dict[str, Any] = {
            "machine": machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        # (c) first: its 10,000 articles stay in the database, so (b) and (a) run against tables of a
        # realistic size rather than an almost empty database.
        step(f"(c) rebuilding {args.articles} articles, two workers")
        result["rebuild"] = bench_rebuild(args.articles, database_url, broker_url, directory)
        step("(b) one build of a 500-claim article")
        result["one_build"] = bench_one_build()
        step("(a) publish -> scorecard latency, one worker")
        result["latency"] = bench_latency(args.samples, database_url, broker_url, directory)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        stop([redis])
    if args.json:
        print(json.dumps(result, indent=2))
        return
    one, latency, rebuild = result["one_build"], result["latency"], result["rebuild"]
    print(
        f"machine: {result['machine']}; "
        f"load average {result['load_average']} -> {result['load_average_after']}"
    )
    print(
        f"(a) publish -> scorecard updated, 1 worker, {latency['samples']} samples "
        f"(countdown {latency['countdown_s']} s): p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
        f"max {latency['max_ms']} ms"
    )
    print(
        f"(b) one build, 500 claims: p50 {one['p50_ms']} ms, p95 {one['p95_ms']} ms, min {one['min_ms']} ms "
        f"({one['runs']} runs); queries: {one['queries']}"
    )
    print(
        f"(c) rebuild_scorecards --all, 2 workers: {rebuild['articles']} articles in "
        f"{rebuild['seconds']} s = {rebuild['articles_per_s']} articles/s; "
        f"stale afterwards: {rebuild['stale_after']}"
    )


if __name__ == "__main__":
    main()
