"""Ingest throughput: 1,000 articles recombined from the seed paragraphs (~600 words each) into PostgreSQL.

    .venv/bin/python bench/ingest.py [--articles 1000] [--json]

Reports articles/s, claims/s and the process's peak RSS after each tenth of the run: the peak must not
grow with the number of articles ingested. Scorecard builds are sent to Redis (db 14), not run, as in
production where a worker builds them; the queue is flushed afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    setup_django(fresh_database("factcheck_bench_ingest"), broker_url="redis://127.0.0.1:6379/14")
    migrate()
    from django.conf import settings

    from reviews.models import ReviewTask
    from reviews.services.articles import article_ingest

    texts = build_articles(args.articles)
    words = sum(len(t.split()) for t in texts) / len(texts)
    # Load the scorer before timing, as a long-running ingest process would have.
    article_ingest(data="Warm-up: the ministry said exports rose 4% in 2020.", name="warm-up")
    checkpoints = []
    started = time.perf_counter()
    for index, text in enumerate(texts, 1):
        article_ingest(data=text, name=f"bench-{index}")
        if index % max(1, args.articles // 10) == 0:
            checkpoints.append(
                {"articles": index, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}
            )
    elapsed = time.perf_counter() - started
    claims = ReviewTask.objects.count() - ReviewTask.objects.filter(claim__article__origin="warm-up").count()
    from factcheck.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()  # type: ignore[attr-defined]  # drop the scorecard messages nobody consumes here

    result = {
        "machine": machine(),
        "scorer": settings.FACTCHECK_SCORER,
        "articles": args.articles,
        "mean_words": round(words),
        "seconds": round(elapsed, 2),
        "articles_per_s": round(args.articles / elapsed, 1),
        "claims": claims,
        "claims_per_s": round(claims / elapsed, 1),
        "peak_rss_mb": [round(c["peak_rss_mb"], 1) for c in checkpoints],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}; scorer: {result['scorer']}")
    print(f"{args.articles} articles (~{result['mean_words']} words each) in {result['seconds']} s")
    print(f"articles/s: {result['articles_per_s']}   claims/s: {result['claims_per_s']} ({claims} claims)")
    print("peak RSS (MB) after each tenth: " + ", ".join(str(x) for x in result["peak_rss_mb"]))


if __name__ == "__main__":
    main()
