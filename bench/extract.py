#!/usr/bin/env python
"""Benchmark the shipped check-worthiness scorer: cold load time and throughput on ONE core; and the
steps before it, cleaning an article and splitting it into sentences, on the same core.

    .venv/bin/python bench/extract.py [--json] [--repeats 3] [--batch-size 1]

Load time is measured in fresh subprocesses (import + `Scorer()` + first tiny `score`), so nothing is
cached in-process. Throughput pins this process to one CPU and runs onnxruntime with one intra-op thread,
on two corpora: sentences of the seed news articles (repeated to ~2,000) and debate sentences (ClaimBuster
groundtruth + CheckThat! 2024 dev-test, 1,350). Needs no Django and no database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

from bench.common import machine  # noqa: E402
from reviews.extraction import evaluation as ev  # noqa: E402

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
from reviews.extraction.scorer import Scorer
s = Scorer()
t1 = time.perf_counter()
s.score(["Unemployment fell to 3.5% in 2019."])
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
"""


def seed_raws() -> list[str]:
    """The seed articles as scraped (page clutter included)."""
    seeds_dir = REPO_DIR / "seeds"
    if not seeds_dir.is_dir():
        seeds_dir = REPO_DIR.parent / "shared" / "seeds"
    return [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]


def seed_sentences() -> list[str]:
    """Sentences of the seed articles: the project's own cleaner/splitter if importable, else a regex."""
    raws = seed_raws()
    try:
        from reviews.extraction.cleaning import clean_article
        from reviews.extraction.sentences import split_sentences

        return [s.text for raw in raws for s in split_sentences(clean_article(raw).body)]
    except Exception:  # the splitter is someone else's module; the benchmark must not depend on it
        out = []
        for raw in raws:
            for para in raw.split("\n"):
                out += [s for s in re.split(r"(?<=[.!?])\s+", para.strip()) if len(s.split()) >= 4]
        return out


def debate_sentences(datasets: Path) -> list[str]:
    texts = [s.text for s in ev.load_claimbuster(datasets / ev.CLAIMBUSTER_GROUNDTRUTH)]
    return texts + [s.text for s in ev.load_ct24(datasets / ev.CT24_DEV_TEST)]


def measure_load(repeats: int) -> dict[str, float]:
    env = {**os.environ, "FACTCHECK_SCORER_THREADS": "1", "PYTHONPATH": str(REPO_DIR)}
    loads, firsts = [], []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SNIPPET],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=REPO_DIR,
        ).stdout.split()
        loads.append(float(out[0]))
        firsts.append(float(out[1]))
    return {"load_s": max(loads), "load_and_first_score_s": max(firsts)}


def measure_throughput(texts: list[str], batch_size: int, repeats: int) -> dict[str, float]:
    from reviews.extraction.scorer import Scorer

    scorer = Scorer(threads=1)
    scorer.score(texts[:batch_size], batch_size=batch_size)  # warm-up
    rates, cpu_rates = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        scorer.score(texts, batch_size=batch_size)
        rates.append(len(texts) / (time.perf_counter() - t0))
        cpu_rates.append(len(texts) / (time.process_time() - c0))
    return {
        "sentences": len(texts),
        "mean_tokens": statistics.mean(len(ids) for ids in scorer._tokenizer.encode_batch(texts)),
        "sentences_per_s": statistics.median(rates),
        "worst_per_s": min(rates),
        # per CPU-second of this (one-core) process: what an idle core gives when others share the machine
        "sentences_per_cpu_s": statistics.median(cpu_rates),
    }


def measure_preprocessing(raws: list[str], repeats: int, rounds: int = 20) -> dict[str, float]:
    """Cleaning (`clean_article`, per scraped article) and sentence splitting (`split_sentences`, per
    character of cleaned body) over the seed articles, `rounds` passes per repeat; medians of the repeats."""
    from reviews.extraction.cleaning import clean_article
    from reviews.extraction.sentences import split_sentences

    bodies = [clean_article(raw).body for raw in raws]
    split_sentences(bodies[0])  # builds and caches the segmenter
    clean_ms, split_rates = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(rounds):
            for raw in raws:
                clean_article(raw)
        clean_ms.append((time.perf_counter() - t0) * 1000 / (rounds * len(raws)))
        t0 = time.perf_counter()
        for _ in range(rounds):
            for body in bodies:
                split_sentences(body)
        split_rates.append(rounds * sum(map(len, bodies)) / (time.perf_counter() - t0))
    return {
        "articles": len(raws),
        "mean_raw_kb": statistics.mean(len(raw.encode()) for raw in raws) / 1024,
        "clean_ms_per_article": statistics.median(clean_ms),
        "split_chars_per_s": statistics.median(split_rates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a markdown table")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--batch-size", type=int, default=1, help="1 = as ingest scores (each sentence alone)"
    )
    parser.add_argument("--datasets", type=Path, default=None)
    args = parser.parse_args()

    load = measure_load(args.repeats)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["RAYON_NUM_THREADS"] = "1"
    news = seed_sentences()
    news = (news * (2000 // max(1, len(news)) + 1))[:2000]
    debates = debate_sentences(args.datasets or ev.default_datasets_dir())
    results = {
        "machine": machine(),
        "scorer_threads": 1,
        "batch_size": args.batch_size,
        **load,
        "preprocessing": measure_preprocessing(seed_raws(), args.repeats),
        "news": measure_throughput(news, args.batch_size, args.repeats),
        "debates": measure_throughput(debates, args.batch_size, args.repeats),
    }
    from reviews.extraction.scorer import get_scorer

    results["scorer_version"] = get_scorer().version
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"Scorer `{results['scorer_version']}`, one core, onnxruntime 1 thread, batch {args.batch_size}\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| cold load (fresh process: import + Scorer()) | {load['load_s']:.2f} s |")
    print(f"| cold load + first score | {load['load_and_first_score_s']:.2f} s |")
    for name in ("news", "debates"):
        r = results[name]
        print(
            f"| throughput, {name} sentences (n={r['sentences']}, {r['mean_tokens']:.0f} tokens avg) "
            f"| {r['sentences_per_s']:.0f} sentences/s wall (worst run {r['worst_per_s']:.0f}); "
            f"{r['sentences_per_cpu_s']:.0f} per CPU-second |"
        )
    pre = results["preprocessing"]
    print(
        f"| cleaning (`clean_article`, the {pre['articles']} seed articles as scraped, "
        f"{pre['mean_raw_kb']:.1f} KB avg) | {pre['clean_ms_per_article']:.2f} ms per article |"
    )
    print(
        f"| sentence splitting (`split_sentences`, cleaned seed bodies) "
        f"| {pre['split_chars_per_s']:,.0f} characters/s |"
    )
    print(f"\nLoad average during the run: {os.getloadavg()[0]:.1f} (2 cores; others may share the machine)")


if __name__ == "__main__":
    main()
