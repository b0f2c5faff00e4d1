"""What one `/metrics` scrape costs on a large desk: the desk's five statements, read at scrape time.

    .venv/bin/python bench/metrics.py [--articles 20000] [--claims 5]

One database (`factcheck_bench_metrics`, dropped and re-created) of `--articles` extracted articles with
`--claims` claims each, one review task per claim (available, leased, a tenth of the leases expired,
submitted, done) and a verdict for every done or submitted task, every scorecard current but a hundred,
and some worker counts. Times the scrape's exposition (`DeskCollector` through prometheus-client's
`generate_latest`, what `/metrics` answers, without the HTTP stack) nine times: median and minimum.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where bench/queue.py hides the standard library's
# `queue` (which psycopg imports); the project root is what this needs.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import fresh_database, machine, migrate, setup_django  # noqa: E402

DATABASE = "factcheck_bench_metrics"
CHUNK = 2_000


def _seed(articles: int, claims: int) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from reviews.models import (
        Article,
        ArticleStatus,
        Claim,
        ClaimStatus,
        RatingLabel,
        ReviewTask,
        Scorecard,
        TaskStatus,
        Verdict,
        VerdictStatus,
    )
    from reviews.selectors_scorecard_data import DATA_FORMAT
    from reviews.services.worker_stats import scorecard_build_record, task_failure_record

    now = timezone.now()
    reviewer = User.objects.create(username="bench-reviewer")
    label = RatingLabel.objects.order_by("pk").first()
    n = 0
    for start in range(0, articles, CHUNK):
        batch = Article.objects.bulk_create(
            Article(raw_text="x", body="x", content_hash=f"h{i}", status=ArticleStatus.READY, changed_at=now)
            for i in range(start, min(articles, start + CHUNK))
        )
        Scorecard.objects.bulk_create(
            Scorecard(article=a, data={"format": DATA_FORMAT}, source_changed_at=now) for a in batch
        )
        made = Claim.objects.bulk_create(
            Claim(article=a, text="c", start=0, end=1, sentence_index=k, score=0.9, status=ClaimStatus.CLAIM)
            for a in batch
            for k in range(claims)
        )
        tasks, verdicts = [], []
        for claim in made:
            n += 1
            kind = n % 10
            task = ReviewTask(claim=claim)
            if kind in (1, 2):
                task.status = TaskStatus.LEASED
                task.lease_holder = reviewer
                task.lease_token = uuid.uuid4()
                task.lease_expires_at = now + dt.timedelta(minutes=-5 if n % 100 == 1 else 5)
            elif kind in (3, 4, 5):
                task.status = TaskStatus.DONE if kind != 3 else TaskStatus.SUBMITTED
                task.reviewer = reviewer
                status = VerdictStatus.PUBLISHED if kind != 3 else VerdictStatus.SUBMITTED
                verdicts.append(
                    Verdict(
                        claim=claim,
                        rating=label,
                        status=status,
                        published_at=now if status == VerdictStatus.PUBLISHED else None,
                    )
                )
            tasks.append(task)
        ReviewTask.objects.bulk_create(tasks)
        Verdict.objects.bulk_create(verdicts)
    stale = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:100])
    Article.objects.update(scorecard_stale=False)
    later = now + dt.timedelta(seconds=1)
    Article.objects.filter(pk__in=stale).update(changed_at=later, scorecard_stale=True)
    for i in range(50):
        task_failure_record(task_name="reviews.article_match" if i % 2 else "reviews.webhook_deliver")
        scorecard_build_record(seconds=0.01 * (i % 20))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=5)
    args = parser.parse_args()
    setup_django(fresh_database(DATABASE))
    migrate()
    from django.db import connection
    from prometheus_client import CollectorRegistry, generate_latest

    from reviews.metrics import DeskCollector
    from reviews.models import ReviewTask, Verdict

    _seed(args.articles, args.claims)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def scrape() -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DeskCollector())
        return generate_latest(registry)

    scrape()  # warm: connection, plans
    times = []
    for _ in range(9):
        started = time.perf_counter()
        body = scrape()
        times.append(time.perf_counter() - started)
    times.sort()
    print(f"machine: {machine()}; load average {[round(x, 2) for x in os.getloadavg()]}")
    print(
        f"{args.articles} articles, {ReviewTask.objects.count()} review tasks, "
        f"{Verdict.objects.count()} verdicts; exposition {len(body)} bytes"
    )
    print(f"one scrape: median {times[4] * 1000:.1f} ms, min {times[0] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
