"""Ingest throughput: 1,000 articles recombined from the seed paragraphs (~600 words each) into PostgreSQL.

    .venv/bin/python bench/ingest.py [--articles 250 1000] [--jobs 2] [--matching off on]
        [--worker-concurrency 1] [--corpus seeds] [--json]

Runs `manage.py ingest --jobs N` over a folder of generated articles, once per size, each into an empty
database, and reports articles/s, claims/s and peak RSS of the main process and of the largest extraction
worker: the peaks must not grow with the number of articles. Messages go to a private redis-server.

`--matching off`: nobody consumes the messages ingest sends (scorecard builds, `reviews.article_match`),
as before issue 17; the time is the ingest's. `--matching on`: one Celery worker consumes them while the
ingest runs, as in production: it matches every article (embeds its claims, searches the other
articles', links them and records conflicts) and builds scorecards, on the same two cores. The time is
then until the last article is ingested *and* matched, and the worker's peak RSS (its largest process)
is reported too. The worker is started before the clock starts. `--worker-concurrency 1` (the default)
runs it as the demo does (solo pool, one process); `--worker-concurrency 2` as docker-compose.yml and
the systemd unit deploy it (prefork pool, two processes, each with its own model and vector index).

`--corpus seeds` (the default) recombines the five seed reports' paragraphs, so every sentence comes back
in many articles (100 articles: 1,761 claims, 13,163 matches, about 15 per claim): the worst case for
linking. `--corpus debates`
cuts ClaimBuster's debate transcripts (`../shared/datasets/claimbuster/crowdsourced.csv`, CC BY 4.0; not
shipped) into articles of consecutive sentences, so claims rarely repeat, as in a newsroom's feed; it is
spoken English, not news prose, and it needs that file (`$FACTCHECK_DATASETS_DIR`, else beside the
checkout); its transcripts hold about 600 articles, so use it with `--articles` of 600 or fewer.
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

from bench.common import ROOT, cpu_seconds, fresh_database, machine, migrate, pids, setup_django
from bench.scorecards import free_port, start_redis, start_worker, stop


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


def build_debate_articles(count: int, words: int = 600, path: Path | None = None) -> list[str]:
    """Articles of consecutive debate sentences: a title line, then paragraphs of four sentences up to
    ~`words` words. Each sentence is used once, so claims repeat only where the debates repeat them: the
    transcripts hold about 600 such articles. `path`: ClaimBuster's crowdsourced.csv in the datasets
    folder (`$FACTCHECK_DATASETS_DIR`, else ../shared/datasets beside the checkout)."""
    import csv

    from reviews.extraction.evaluation import default_datasets_dir

    path = path or default_datasets_dir() / "claimbuster" / "crowdsourced.csv"
    if not path.is_file():
        raise SystemExit(f"--corpus debates needs {path} (the shared datasets beside the checkout)")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["File_id"], int(row["Line_number"])))
    sentences = [row["Text"].strip() for row in rows if len(row["Text"].split()) >= 3]
    articles: list[str] = []
    cursor = 0
    while len(articles) < count:
        if cursor >= len(sentences):
            raise SystemExit(f"the debates hold fewer than {count} articles of {words} words")
        paragraphs: list[str] = []
        total = 0
        while total < words and cursor < len(sentences):
            paragraph = sentences[cursor : cursor + 4]
            cursor += 4
            paragraphs.append(" ".join(paragraph))
            total += sum(len(text.split()) for text in paragraph)
        articles.append(f"Debate article {len(articles)}: {paragraphs[0][:80]}\n\n" + "\n\n".join(paragraphs))
    return articles


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def worker_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _own_cpu() -> float:
    """CPU seconds of this process and of its children that have exited."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(
    count: int,
    jobs: int,
    folder: Path,
    *,
    matching: bool,
    database_url: str,
    broker_url: str,
    worker_concurrency: int = 1,
) -> dict[str, object]:
    """Ingest `count` articles from `folder` with `manage.py ingest --jobs`, into an empty database; with
    `matching`, a worker matches them meanwhile and the clock stops when the last one is matched."""
    from django.core.management import call_command
    from django.db import connection

    from factcheck.celery import app
    from reviews.models import Article, ClaimConflict, ClaimMatch, MatchingStatus, ReviewTask

    with connection.cursor() as cur:  # start empty: the audit log PROTECTs articles from ORM deletes
        cur.execute(
            "TRUNCATE reviews_reviewevent, reviews_citation, reviews_verdict, reviews_taskskip,"
            " reviews_reviewtask, reviews_claim, reviews_scorecard, reviews_article RESTART IDENTITY CASCADE"
        )
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()  # type: ignore[attr-defined]
    files = sorted(folder.glob("*.txt"))[:count]
    subset = folder / f"subset-{count}"
    subset.mkdir(exist_ok=True)
    for path in files:
        target = subset / path.name
        if not target.exists():
            target.symlink_to(path)
    worker = None
    if matching:  # started before the clock; it loads the model on its first article (~0.2 s)
        worker = start_worker(
            f"match{count}",
            database_url,
            broker_url,
            Path(tempfile.mkdtemp()),
            concurrency=worker_concurrency,
        )

    def in_worker(pid: int, _name: str, ppid: int) -> bool:  # its process and its pool's children
        return worker is not None and worker.pid in (pid, ppid)

    try:
        worker_cpu = cpu_seconds(in_worker)
        cpu_before = _own_cpu()
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("ingest", str(subset), "--jobs", str(jobs), "--no-progress", stdout=quiet)
        ingested = time.perf_counter() - started
        ingest_cpu = _own_cpu() - cpu_before  # the extraction workers have exited and been waited for
        if worker is not None:
            while Article.objects.exclude(matching_status=MatchingStatus.DONE).exists():
                if worker.poll() is not None:
                    raise RuntimeError("the matching worker exited")
                time.sleep(0.1)
        elapsed = time.perf_counter() - started
        worker_rss = max(map(worker_peak_rss_mb, pids(in_worker))) if worker is not None else None
        worker_cpu = cpu_seconds(in_worker) - worker_cpu
    finally:
        if worker is not None:
            stop([worker])
    claims = ReviewTask.objects.count()
    return {
        "matching": "on" if matching else "off",
        "worker_processes": worker_concurrency if matching else None,
        "articles": count,
        "seconds": round(elapsed, 2),
        "ingest_seconds": round(ingested, 2),
        "articles_per_s": round(count / elapsed, 1),
        "ingest_articles_per_s": round(count / ingested, 1),
        # CPU per article, which the other load on a shared host hardly moves (PostgreSQL's not counted).
        "ingest_cpu_ms_per_article": round(ingest_cpu * 1000 / count, 1),
        "matching_cpu_ms_per_article": round(worker_cpu * 1000 / count, 1) if matching else None,
        "claims": claims,
        "claims_per_s": round(claims / elapsed, 1),
        "matches": ClaimMatch.objects.count(),
        "conflicts": ClaimConflict.objects.count(),
        "peak_rss_mb_main": round(peak_rss_mb(), 1),
        # Children's peak counts every child waited for so far, a stopped matching worker included: the
        # extraction workers' own peak is read from the runs without one.
        "peak_rss_mb_worker": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1) if not matching else None,
        "peak_rss_mb_matching_worker": None if worker_rss is None else round(worker_rss, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, nargs="+", default=[250, 1000])
    parser.add_argument("--jobs", type=int, default=2, help="extraction processes (manage.py ingest --jobs)")
    parser.add_argument("--matching", nargs="+", choices=["off", "on"], default=["off", "on"])
    parser.add_argument(
        "--worker-concurrency",
        type=int,
        default=1,
        help="matching worker: 1 = solo pool (the demo), 2 = prefork with two processes (compose, systemd)",
    )
    parser.add_argument(
        "--corpus",
        choices=["seeds", "debates"],
        default="seeds",
        help="seeds: seed paragraphs recombined (claims repeat); debates: ClaimBuster transcripts",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.worker_concurrency < 1:
        parser.error("--worker-concurrency must be 1 (solo pool) or more (prefork)")

    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    port = free_port()
    redis = start_redis(port, scratch)
    broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        database_url = fresh_database("factcheck_bench_ingest")
        setup_django(database_url, broker_url=broker_url)
        migrate()
        from django.conf import settings

        builder = build_debate_articles if args.corpus == "debates" else build_articles
        texts = builder(max(args.articles))
        words = sum(len(t.split()) for t in texts) / len(texts)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for index, text in enumerate(texts):
                (folder / f"article-{index:05d}.txt").write_text(text, encoding="utf-8")
            rows = []
            for mode in args.matching:
                for count in sorted(args.articles):
                    row = run(
                        count,
                        args.jobs,
                        folder,
                        matching=mode == "on",
                        database_url=database_url,
                        broker_url=broker_url,
                        worker_concurrency=args.worker_concurrency,
                    )
                    print(json.dumps(row), file=sys.stderr, flush=True)  # kept if a later run is stopped
                    rows.append(row)
    finally:
        stop([redis])

    result = {
        "machine": machine(),
        "scorer": settings.FACTCHECK_SCORER,
        "jobs": args.jobs,
        "worker_concurrency": args.worker_concurrency,
        "corpus": args.corpus,
        "mean_words": round(words),
        "runs": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"machine: {result['machine']}; scorer: {result['scorer']}; --jobs {args.jobs}; "
        f"matching worker processes: {args.worker_concurrency}; corpus: {args.corpus}, "
        f"~{result['mean_words']} words each"
    )
    print(
        "| matching | articles | seconds (ingest alone) | articles/s (ingest alone) | CPU ms/article "
        "ingest / matching | claims | claims/s | matches | conflicts "
        "| peak RSS main / extraction / matching worker (MB) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['matching']} | {r['articles']} | {r['seconds']} ({r['ingest_seconds']}) | "
            f"{r['articles_per_s']} ({r['ingest_articles_per_s']}) | {r['ingest_cpu_ms_per_article']} / "
            f"{r['matching_cpu_ms_per_article'] or '-'} | {r['claims']} | {r['claims_per_s']} | "
            f"{r['matches']} | "
            f"{r['conflicts']} | {r['peak_rss_mb_main']} / {r['peak_rss_mb_worker'] or '-'} / "
            f"{r['peak_rss_mb_matching_worker'] or '-'} |"
        )


if __name__ == "__main__":
    main()
