#!/usr/bin/env python
"""Matching one new claim against a million stored claims: search latency, recall@10, memory, build time.

    flock /tmp/bench.lock .venv/bin/python bench/matching.py [--n 1000000] [--queries 1000] [--json]

What it does (issue 17: p95 under 50 ms, recall@10 at least 0.95 against exact search):

1. embeds real sentences with the shipped model (`reviews.matching.embed`, batches of 64): ClaimBuster's
   crowdsourced sentences (`--base` of them) are the stored claims' material, CheckThat! 2024 dev-test
   sentences the queries (other sentences, so no query is in the index); cached in `--cache`;
2. makes `--n` stored vectors from them: each a real sentence vector plus Gaussian noise, renormalised
   (cosine about 0.8 to its source), so the million keep the real vectors' topics and neighbourhoods
   without embedding a million sentences (hours on this machine);
3. builds `VectorIndex` (int8 HNSW) with `build_from` in batches of 10,000, as a process start does
   from PostgreSQL rows, and times it; memory is usearch's own count and the process's RSS growth;
4. times `VectorIndex.search(vector, 10)` for each query, one at a time on one thread (what a worker
   does per new claim), and compares its ids with exact float32 search (numpy, all `--n` vectors).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sentences(datasets: Path, base: int, queries: int) -> tuple[list[str], list[str]]:
    with (datasets / "claimbuster" / "crowdsourced.csv").open(encoding="utf-8") as fh:
        stored = [row["Text"] for row in csv.DictReader(fh) if row["Text"].strip()][:base]
    with (datasets / "checkthat2024_en" / "CT24_checkworthy_english_dev-test.tsv").open(
        encoding="utf-8"
    ) as fh:
        asked = [row["Text"] for row in csv.DictReader(fh, delimiter="\t") if row["Text"].strip()]
    seen = set(stored)
    return stored, [t for t in asked if t not in seen][:queries]


def embedded(texts: list[str], cache: Path) -> np.ndarray:
    if cache.exists():
        vectors = np.load(cache)
        if vectors.shape == (len(texts), 384):
            return vectors
    from reviews.matching import embed

    started = time.perf_counter()
    vectors = embed(texts, batch_size=64)
    print(f"embedded {len(texts)} sentences in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--base", type=int, default=20_000, help="real sentences the stored vectors derive from")
    p.add_argument("--noise", type=float, default=0.04, help="per-dimension noise added to each copy")
    p.add_argument(
        "--datasets",
        type=Path,
        default=Path(os.environ.get("FACTCHECK_DATASETS_DIR", ROOT.parent / "shared" / "datasets")),
    )
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "factcheck-bench-matching")
    p.add_argument("--dtype", default="i8", choices=["i8", "f16", "f32"])
    p.add_argument("--expansion-search", type=int, default=None)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    from reviews.matching.index import VectorIndex

    stored_texts, query_texts = sentences(args.datasets, args.base, args.queries)
    base = embedded(stored_texts, args.cache / f"stored-{len(stored_texts)}.npy")
    queries = embedded(query_texts, args.cache / f"queries-{len(query_texts)}.npy")

    rng = np.random.default_rng(17)
    vectors = np.empty((args.n, 384), dtype=np.float32)
    to_source: list[float] = []
    for start in range(0, args.n, 100_000):
        stop = min(args.n, start + 100_000)
        source = base[rng.integers(0, len(base), stop - start)]
        chunk = source + rng.normal(0, args.noise, (stop - start, 384)).astype(np.float32)
        vectors[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
        to_source.append(float(np.mean(np.sum(vectors[start:stop] * source, axis=1))))

    rss_before = rss_mb()
    index = VectorIndex(dtype=args.dtype, expansion_search=args.expansion_search or 96)
    started = time.perf_counter()
    index.build_from(((i + 1, vectors[i]) for i in range(args.n)), batch=10_000)
    build_seconds = time.perf_counter() - started
    rss_after = rss_mb()

    latencies: list[float] = []
    found: list[list[int]] = []
    for query in queries:
        t0 = time.perf_counter()
        hits = index.search(query, 10)
        latencies.append((time.perf_counter() - t0) * 1000)
        found.append([ident for ident, _ in hits])

    recall = 0.0
    for start in range(0, len(queries), 100):
        block = queries[start : start + 100]
        sims = block @ vectors.T
        top = np.argpartition(-sims, 10, axis=1)[:, :10] + 1
        for row, exact in enumerate(top):
            recall += len(set(found[start + row]) & set(exact.tolist())) / 10
    recall /= len(queries)

    lat = np.asarray(latencies)
    result = {
        "machine": machine(),
        "n": args.n,
        "queries": len(queries),
        "dtype": args.dtype,
        "mean_cosine_to_source": round(float(np.mean(to_source)), 3),
        "build_seconds": round(build_seconds, 1),
        "index_memory_mb": round(index.memory_bytes / 1e6, 1),
        "rss_growth_mb": round(rss_after - rss_before, 1),
        "search_ms": {
            "p50": round(float(np.percentile(lat, 50)), 2),
            "p95": round(float(np.percentile(lat, 95)), 2),
            "p99": round(float(np.percentile(lat, 99)), 2),
            "max": round(float(lat.max()), 2),
        },
        "recall_at_10": round(recall, 4),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(result["machine"])
    print(f"{args.n:,} stored vectors ({args.dtype} HNSW), {len(queries)} queries, k = 10")
    print(f"build {result['build_seconds']} s; index {result['index_memory_mb']} MB (usearch), ", end="")
    print(f"RSS +{result['rss_growth_mb']} MB")
    s = result["search_ms"]
    print(f"search p50 {s['p50']} ms, p95 {s['p95']} ms, p99 {s['p99']} ms, max {s['max']} ms")
    print(f"recall@10 against exact float32 search: {result['recall_at_10']}")


if __name__ == "__main__":
    main()
