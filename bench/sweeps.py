"""The periodic stale-scorecard sweep's steady-state cost (issue 18): every scorecard current, nothing to do.

    .venv/bin/python bench/sweeps.py [--articles 100000]

Side by side, in one database of `--articles` extracted articles, each with a current scorecard:
- `scorecards_stale_ids()`: the query the sweep ran before it read flags (every extracted article
  against its scorecard), still the definition of "stale" for tests and commands;
- `scorecards_sweep()`: the sweep, which reads only articles flagged `scorecard_stale` (a partial index),
  after the flags set by the articles' creation were cleared by earlier runs.
Each timed nine times in this process; median and minimum. The database is `factcheck_bench_sweeps`
(dropped and re-created). No broker is needed: nothing is stale, so nothing is sent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where bench/queue.py hides the standard library's
# `queue` (which psycopg imports); the project root is what this needs.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import fresh_database, machine, migrate, setup_django  # noqa: E402

DATABASE = "factcheck_bench_sweeps"


def _timed(call: Callable[[], object], runs: int = 9) -> str:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    times.sort()
    return f"median {times[runs // 2] * 1000:.2f} ms, min {times[0] * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(fresh_database(DATABASE))
    migrate()
    from django.db import connection
    from django.utils import timezone

    from reviews.models import Article, ArticleStatus, Scorecard
    from reviews.selectors_scorecard_data import DATA_FORMAT
    from reviews.selectors_scorecards import scorecards_stale_ids
    from reviews.services.scorecards import scorecards_sweep

    now = timezone.now()
    for start in range(0, args.articles, 10_000):
        articles = Article.objects.bulk_create(
            Article(raw_text="x", body="x", content_hash=f"h{n}", status=ArticleStatus.READY, changed_at=now)
            for n in range(start, min(args.articles, start + 10_000))
        )
        Scorecard.objects.bulk_create(
            Scorecard(article=article, data={"format": DATA_FORMAT}, source_changed_at=now)
            for article in articles
        )
    while Article.objects.filter(scorecard_stale=True).exists():
        assert scorecards_sweep() == 0  # clears the creation's flags, 10,000 a run
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"machine: {machine()}; load average {[round(x, 2) for x in os.getloadavg()]}")
    print(f"{args.articles} extracted articles, every scorecard current")
    print(f"scorecards_stale_ids() (every article against its scorecard): {_timed(scorecards_stale_ids)}")
    print(f"scorecards_sweep() (flagged articles only): {_timed(scorecards_sweep)}")


if __name__ == "__main__":
    main()
