"""Ingest throughput: 1,000 articles recombined from the seed paragraphs (~600 words each) into PostgreSQL.

    .venv/bin/python bench/ingest.py [--articles 250 1000] [--jobs 2] [--json]

Runs `manage.py ingest --jobs N` over a folder of generated articles, once per size, each into an empty
database, and reports articles/s, claims/s and peak RSS of the main process and of the largest extraction
worker: the peaks must not grow with the number of articles. Scorecard builds are sent to Redis (db 14),
not run, as in production where a worker builds them; the queue is flushed afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py shadows the standard library's `queue` for scripts run from this folder (and for the
# extraction workers they spawn): drop the folder from the import path first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

# ruff: noqa: E402


import argparse
import json
import os
import random
import resource
import tempfile
import time

from bench.common import ROOT, fresh_database, machine, migrate, setup_django


def build_articles(count: int, words: int = 600, seed: int = 7) -> list[str]:
    """Articles recombined from the cleaned seed paragraphs: a title line, then ~`words` words."""
    from reviews.extraction.cleaning import clean_article

    paragraphs: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        body = clean_article(path.read_text(encoding="utf-8")).body
        paragraphs += [p.strip() for p in body.split("\n\n") if len(p.split()) >= 15]
    rng = random.Random(seed)
    articles = []
    for n in range(count):
        chosen: list[str] = []
        total = 0
        while total < words:
            paragraph = rng.choice(paragraphs)
            chosen.append(paragraph)
            total += len(paragraph.split())
        articles.append(
            f"Benchmark article {n}: {rng.choice(paragraphs).split('.')[0][:80]}\n\n" + "\n\n".join(chosen)
        )
    return articles


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(count: int, jobs: int, folder: Path) -> dict[str, object]:
    """Ingest `count` articles from `folder` with `manage.py ingest --jobs`, into an empty database."""
    from django.core.management import call_command
    from django.db import connection

    from reviews.models import ReviewTask

    with connection.cursor() as cur:  # start empty: the audit log PROTECTs articles from ORM deletes
        cur.execute(
            "TRUNCATE reviews_reviewevent, reviews_citation, reviews_verdict, reviews_taskskip,"
            " reviews_reviewtask, reviews_claim, reviews_scorecard, reviews_article RESTART IDENTITY CASCADE"
        )
    files = sorted(folder.glob("*.txt"))[:count]
    subset = folder / f"subset-{count}"
    subset.mkdir(exist_ok=True)
    for path in files:
        target = subset / path.name
        if not target.exists():
            target.symlink_to(path)
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("ingest", str(subset), "--jobs", str(jobs), "--no-progress", stdout=quiet)
    elapsed = time.perf_counter() - started
    claims = ReviewTask.objects.count()
    return {
        "articles": count,
        "seconds": round(elapsed, 2),
        "articles_per_s": round(count / elapsed, 1),
        "claims": claims,
        "claims_per_s": round(claims / elapsed, 1),
        "peak_rss_mb_main": round(peak_rss_mb(), 1),
        "peak_rss_mb_worker": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, nargs="+", default=[250, 1000])
    parser.add_argument("--jobs", type=int, default=2, help="extraction processes (manage.py ingest --jobs)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    setup_django(fresh_database("factcheck_bench_ingest"), broker_url="redis://127.0.0.1:6379/14")
    migrate()
    from django.conf import settings

    texts = build_articles(max(args.articles))
    words = sum(len(t.split()) for t in texts) / len(texts)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, text in enumerate(texts):
            (folder / f"article-{index:05d}.txt").write_text(text, encoding="utf-8")
        rows = [run(count, args.jobs, folder) for count in sorted(args.articles)]
    from factcheck.celery import app

    with app.connection_for_write() as conn:
        # Drop the scorecard messages nobody consumes here.
        conn.default_channel.client.flushdb()  # type: ignore[attr-defined]

    result = {
        "machine": machine(),
        "scorer": settings.FACTCHECK_SCORER,
        "jobs": args.jobs,
        "mean_words": round(words),
        "runs": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"machine: {result['machine']}; scorer: {result['scorer']}; --jobs {args.jobs}; "
        f"~{result['mean_words']} words each"
    )
    print("| articles | seconds | articles/s | claims | claims/s | peak RSS main / worker (MB) |")
    print("|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['articles']} | {r['seconds']} | {r['articles_per_s']} | {r['claims']} | "
            f"{r['claims_per_s']} | "
            f"{r['peak_rss_mb_main']} / {r['peak_rss_mb_worker']} |"
        )


if __name__ == "__main__":
    main()
