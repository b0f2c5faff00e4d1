#!/usr/bin/env python
"""Matching one new claim against a million stored claims: search latency, recall@10, memory, build time.

    .venv/bin/python bench/matching.py --phase prepare              # vectors to --cache (no timing)
    flock /tmp/bench.lock .venv/bin/python bench/matching.py --phase build --build-step 200000  # x 5
    flock /tmp/bench.lock .venv/bin/python bench/matching.py --phase search   # load graph, search
    .venv/bin/python bench/matching.py --n 100000                   # all three in one process

What it does (issue 17: p95 under 50 ms, recall@10 at least 0.95 against exact search):

1. `prepare` embeds real sentences with the shipped model (`reviews.matching.embed`, batches of 64):
   ClaimBuster's crowdsourced sentences (`--base` of them) are the stored claims' material; the queries
   are other sentences (CheckThat! 2024 dev-test, then CheckThat! 2019 transcripts), none of them in the
   stored material. It makes `--n` stored vectors: each a real sentence vector plus Gaussian noise,
   renormalised (mean cosine to its source printed), so the million keep the real vectors' topics and
   neighbourhoods without embedding a million sentences (hours on this machine). Everything is cached
   under `--cache` as .npy files, so the timed phases do not pay for it.
2. `build` adds the vectors to `VectorIndex` (int8 HNSW) with `build_from` in batches of 10,000, as a
   process start does from PostgreSQL rows (one thread, as the app adds), and times it (wall and CPU);
   memory is usearch's own count (and the growth of the process's RSS when built in one step). The
   graph is saved to `--cache`. With `--build-step N` each run adds the next N vectors to the graph the
   last run saved, so a million-vector build is several runs of a few minutes; the times add up.
3. `search` loads the saved graph (RSS growth of the load: what a worker holding the index needs), times
   `VectorIndex.search(vector, 10)` for each query, one at a time on one thread (what a worker does per
   new claim), and compares the ids with exact float32 search (numpy, over all `--n` vectors). With
   `--score` it also times the search plus `matching.similarity` of the 10 candidates on their float32
   vectors and the facts of the sentences they were made from: the match step short of reading the
   candidates' rows from PostgreSQL.

The phases can run apart so that none holds the shared bench lock for long.
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

DIMENSIONS = 384


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
    for path in sorted((datasets / "checkthat2019_task1" / "training").glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            asked += [
                row[2] for row in csv.reader(fh, delimiter="\t") if len(row) > 2 and len(row[2].split()) >= 8
            ]
    seen = set(stored)
    chosen: list[str] = []
    for text in asked:
        if text not in seen:
            seen.add(text)
            chosen.append(text)
    return stored, chosen[:queries]


def embedded(texts: list[str], path: Path) -> np.ndarray:
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), DIMENSIONS):
            return vectors
    from reviews.matching import embed

    started = time.perf_counter()
    vectors = embed(texts, batch_size=64)
    print(f"embedded {len(texts)} sentences in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def paths(args: argparse.Namespace) -> dict[str, Path]:
    tag = f"{args.n}-{args.base}-{args.noise}"
    return {
        "stored": args.cache / f"stored-{tag}.npy",
        "queries": args.cache / f"queries-{args.queries}.npy",
        "meta": args.cache / f"stored-{tag}.json",
        "graph": args.cache / f"graph-{tag}-{args.dtype}.usearch",
        "build": args.cache / f"graph-{tag}-{args.dtype}.json",
        "partial": args.cache / f"graph-{tag}-{args.dtype}.partial.usearch",
        "progress": args.cache / f"graph-{tag}-{args.dtype}.progress.json",
    }


def prepare(args: argparse.Namespace) -> None:
    files = paths(args)
    stored_texts, query_texts = sentences(args.datasets, args.base, args.queries)
    base = embedded(stored_texts, args.cache / f"base-{len(stored_texts)}.npy")
    embedded(query_texts, files["queries"])
    if files["stored"].exists() and files["meta"].exists():
        return
    rng = np.random.default_rng(17)
    vectors = np.lib.format.open_memmap(
        files["stored"], mode="w+", dtype=np.float32, shape=(args.n, DIMENSIONS)
    )
    to_source: list[float] = []
    for start in range(0, args.n, 100_000):
        stop = min(args.n, start + 100_000)
        source = base[rng.integers(0, len(base), stop - start)]
        chunk = source + rng.normal(0, args.noise, (stop - start, DIMENSIONS)).astype(np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        vectors[start:stop] = chunk
        to_source.append(float(np.mean(np.sum(chunk * source, axis=1))))
    vectors.flush()
    del vectors
    meta = {
        "base": len(base),
        "queries": len(query_texts),
        "mean_cosine_to_source": round(float(np.mean(to_source)), 3),
    }
    files["meta"].write_text(json.dumps(meta))


def sources(args: argparse.Namespace, base: int) -> np.ndarray:
    """Which real sentence each stored vector was made from: `prepare`'s draws replayed (same seed)."""
    rng = np.random.default_rng(17)
    picked = np.empty(args.n, dtype=np.int64)
    for start in range(0, args.n, 100_000):
        stop = min(args.n, start + 100_000)
        picked[start:stop] = rng.integers(0, base, stop - start)
        rng.normal(0, args.noise, (stop - start, DIMENSIONS))  # advance the state as prepare did
    return picked


def build(args: argparse.Namespace) -> dict[str, object]:
    """Add the stored vectors to a new index (all of them, or the next `--build-step` of them on top of
    the graph the last step saved); the graph is saved when all are in."""
    from reviews.matching.index import VectorIndex

    files = paths(args)
    progress = {"done": 0, "seconds": 0.0, "cpu_seconds": 0.0, "steps": 0}
    if files["progress"].exists():
        progress = json.loads(files["progress"].read_text())
    done = int(progress["done"])
    stop = min(args.n, done + args.build_step) if args.build_step else args.n
    chunk = np.array(np.load(files["stored"], mmap_mode="r")[done:stop])  # in memory before the baseline
    index = VectorIndex(dtype=args.dtype)
    # The bench saves usearch's graph so that a build can go on in the next lock hold and the search run
    # in its own; the app never saves it (PostgreSQL is the source of truth), hence the private attribute.
    if done:
        index._index.load(str(files["partial"]))
    rss_before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index.build_from(((done + i + 1, chunk[i]) for i in range(len(chunk))), batch=10_000)
    progress["seconds"] = float(progress["seconds"]) + time.perf_counter() - started
    progress["cpu_seconds"] = float(progress["cpu_seconds"]) + time.process_time() - cpu
    progress["done"], progress["steps"] = stop, int(progress["steps"]) + 1
    if stop < args.n:
        index._index.save(str(files["partial"]))
        files["progress"].write_text(json.dumps(progress))
        return {"built": stop}
    result: dict[str, object] = {
        "build_seconds": round(float(progress["seconds"]), 1),
        "build_cpu_seconds": round(float(progress["cpu_seconds"]), 1),
        "build_steps": progress["steps"],
        "index_memory_mb": round(index.memory_bytes / 1e6, 1),
    }
    if progress["steps"] == 1:
        result["build_rss_growth_mb"] = round(rss_mb() - rss_before, 1)
    index._index.save(str(files["graph"]))
    files["build"].write_text(json.dumps(result))
    files["progress"].unlink(missing_ok=True)
    files["partial"].unlink(missing_ok=True)
    return result


def search(args: argparse.Namespace) -> dict[str, object]:
    from reviews.matching.index import VectorIndex

    files = paths(args)
    vectors = np.load(files["stored"])
    queries = np.load(files["queries"])
    rss_before = rss_mb()
    index = VectorIndex(dtype=args.dtype, expansion_search=args.expansion_search)
    index._index.load(str(files["graph"]))
    rss_loaded = rss_mb() - rss_before

    for query in queries[:20]:  # warm the caches the way a long-running worker's are
        index.search(query, 10)
    exact: list[set[int]] = []
    for start in range(0, len(queries), 100):
        sims = queries[start : start + 100] @ vectors.T
        exact += [set((row + 1).tolist()) for row in np.argpartition(-sims, 10, axis=1)[:, :10]]

    def measure(effort: int) -> dict[str, object]:
        index._index.expansion_search = effort  # type: ignore[misc]  # the app sets it once, at construction
        latencies: list[float] = []
        recall = 0.0
        for query, truth in zip(queries, exact, strict=True):
            t0 = time.perf_counter()
            hits = index.search(query, 10)
            latencies.append((time.perf_counter() - t0) * 1000)
            recall += len({ident for ident, _ in hits} & truth) / 10
        lat = np.asarray(latencies)
        return {
            "expansion_search": effort,
            "search_ms": {
                "p50": round(float(np.percentile(lat, 50)), 2),
                "p95": round(float(np.percentile(lat, 95)), 2),
                "p99": round(float(np.percentile(lat, 99)), 2),
                "max": round(float(lat.max()), 2),
            },
            "recall_at_10": round(recall / len(queries), 4),
        }

    result: dict[str, object] = {"queries": len(queries), "loaded_index_rss_mb": round(rss_loaded, 1)}
    result.update(measure(args.expansion_search))
    if args.score:
        result.update(scoring(args, index, vectors, queries))
    result["sweep"] = [measure(effort) for effort in args.also_expansion_search]
    return result


def scoring(
    args: argparse.Namespace, index: object, vectors: np.ndarray, queries: np.ndarray
) -> dict[str, object]:
    """Search plus what the app does next with the 10 candidates short of reading them from PostgreSQL:
    `matching.similarity` on the float32 vectors and the facts of the sentences they came from."""
    from reviews import matching
    from reviews.matching.index import VectorIndex

    assert isinstance(index, VectorIndex)
    stored_texts, query_texts = sentences(args.datasets, args.base, args.queries)
    source = sources(args, len(stored_texts))
    facts: dict[int, matching.Facts] = {}
    asked = [matching.facts_of(text) for text in query_texts]
    hits_of = [[ident for ident, _ in index.search(query, 10)] for query in queries]
    for hits in hits_of:  # facts are stored with each claim: read them outside the clock
        for ident in hits:
            origin = int(source[ident - 1])
            if origin not in facts:
                facts[origin] = matching.facts_of(stored_texts[origin])
    latencies = []
    for query, query_facts in zip(queries, asked, strict=True):
        t0 = time.perf_counter()
        for ident, _ in index.search(query, 10):
            matching.similarity(query, query_facts, vectors[ident - 1], facts[int(source[ident - 1])])
        latencies.append((time.perf_counter() - t0) * 1000)
    lat = np.asarray(latencies)
    return {
        "search_and_score_ms": {
            "p50": round(float(np.percentile(lat, 50)), 2),
            "p95": round(float(np.percentile(lat, 95)), 2),
            "p99": round(float(np.percentile(lat, 99)), 2),
        }
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phase", choices=["prepare", "build", "search", "all"], default="all")
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
    p.add_argument(
        "--build-step",
        type=int,
        default=0,
        help="add only this many more vectors per run (build in several short runs); 0: all at once",
    )
    p.add_argument("--dtype", default="i8", choices=["i8", "f16", "f32"])
    p.add_argument("--expansion-search", type=int, default=384, help="search effort (VectorIndex's default)")
    p.add_argument(
        "--also-expansion-search",
        type=int,
        nargs="*",
        default=[],
        help="search again with each of these efforts (same graph, same exact answers)",
    )
    p.add_argument(
        "--score", action="store_true", help="also time search + similarity of the 10 candidates (search)"
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    files = paths(args)
    result: dict[str, object] = {"machine": machine(), "n": args.n, "dtype": args.dtype}
    if args.phase in ("prepare", "all"):
        prepare(args)
    if args.phase == "prepare":
        print(files["meta"].read_text())
        return
    result.update(json.loads(files["meta"].read_text()))
    if args.phase in ("build", "all"):
        result.update(build(args))
        if "built" in result:
            print(f"{result['built']:,} of {args.n:,} vectors in the graph; run --phase build again")
            return
    elif files["build"].exists():
        result.update(json.loads(files["build"].read_text()))
    if args.phase in ("search", "all"):
        result.update(search(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}")
    print(
        f"{args.n:,} stored vectors ({args.dtype} HNSW; real sentence vectors + noise, mean cosine "
        f"{result['mean_cosine_to_source']} to their source)"
    )
    if "build_seconds" in result:
        grew = result.get("build_rss_growth_mb")
        print(
            f"build {result['build_seconds']} s ({result['build_cpu_seconds']} s of CPU, "
            f"{result['build_steps']} step(s)); index {result['index_memory_mb']} MB (usearch)"
            + (f", RSS +{grew} MB while building" if grew is not None else "")
        )
    if "search_ms" in result:
        s = result["search_ms"]
        assert isinstance(s, dict)
        print(f"loaded graph: RSS +{result['loaded_index_rss_mb']} MB")
        print(
            f"{result['queries']} queries, k = 10, expansion_search {args.expansion_search}: search p50 "
            f"{s['p50']} ms, p95 {s['p95']} ms, p99 {s['p99']} ms, max {s['max']} ms"
        )
        print(f"recall@10 against exact float32 search: {result['recall_at_10']}")
        for row in result.get("sweep") or []:  # type: ignore[attr-defined]
            t = row["search_ms"]
            print(
                f"  expansion_search {row['expansion_search']}: p50 {t['p50']} ms, p95 {t['p95']} ms, "
                f"p99 {t['p99']} ms, max {t['max']} ms, recall@10 {row['recall_at_10']}"
            )
        if "search_and_score_ms" in result:
            t = result["search_and_score_ms"]
            assert isinstance(t, dict)
            print(
                f"search + similarity of the 10 candidates: p50 {t['p50']} ms, p95 {t['p95']} ms, "
                f"p99 {t['p99']} ms"
            )


if __name__ == "__main__":
    main()
