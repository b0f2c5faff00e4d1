"""Full-text search over 1,000,000 claims (issue 20): p50/p95 of searches at the selector and through the
API, on PostgreSQL, in a database of its own (`factcheck_bench_search`, dropped and re-created).

    .venv/bin/python bench/search.py [--claims 1000000] [--verdicts 100000] [--repeat 20] [--json]
                                     [--reuse]

The claims are realistic English sentences: the sentences of the ClaimBuster, CheckThat! 2019 and 2024
data sets and the seed articles (/work/shared/datasets, /work/shared/seeds; FACTCHECK_DATASETS_DIR and
FACTCHECK_SEEDS_DIR move them) recombined, the first part of one with the rest of another, so the
vocabulary and its frequencies are those of political English. 20 claims per article; article titles are
recombined the same way. `--verdicts` of the claims get a published verdict (summary, rationale and one
citation, recombined too), so an anonymous caller's search (claims with a published verdict) is measured
as well. Rows go in with COPY, the migration's triggers writing every search vector as they would for
any insert; the GIN indexes are dropped for the load and built again after it, the claims are put back in
id order (CLUSTER: the trigger that flags claims with a published verdict moved them), then VACUUM ANALYZE.
`--reuse` skips the load and times the database the last run left.

Each query (common words, rare words, a phrase, `or`, a word left out) is run `--repeat` times after one
warm-up run: at the selector (the page of 50 and the count the API would read), and through the API's
views with Django's test client (in process, no HTTP server): `/api/v1/claims/?q=` as an editor (all
1,000,000 claims), anonymously and as an API consumer (a token, no group), `/api/v1/verdicts/?q=`
anonymously and as an editor, and `/api/v1/articles/?q=`.
Target (issue 20): p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import fresh_database, machine, migrate, setup_django  # noqa: E402

DB_NAME = "factcheck_bench_search"
CLAIMS_PER_ARTICLE = 20
DATASETS = Path(os.environ.get("FACTCHECK_DATASETS_DIR", "/work/shared/datasets"))
SEEDS = Path(os.environ.get("FACTCHECK_SEEDS_DIR", "/work/shared/seeds"))
QUERIES = [
    "tax",  # common
    "people jobs",  # two common words
    "unemployment rate",
    "Medicare",  # rarer
    "Chernobyl",  # rare
    '"health care"',  # phrase
    "Iraq or Afghanistan",
    "taxes -Obama",  # a word left out
    "zzyzx",  # nothing
]
_SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentences() -> list[str]:
    """Distinct English sentences from the data sets and the seed articles, 6 to 60 words each."""
    found: set[str] = set()
    with (DATASETS / "claimbuster" / "crowdsourced.csv").open(newline="") as handle:
        found.update(row["Text"] for row in csv.DictReader(handle))
    for path in sorted((DATASETS / "checkthat2019_task1" / "training").glob("*.tsv")):
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 3:
                found.add(parts[2])
    with (DATASETS / "checkthat2024_en" / "CT24_checkworthy_english_dev-test.tsv").open(newline="") as handle:
        found.update(row["Text"] for row in csv.DictReader(handle, delimiter="\t"))
    for path in sorted(SEEDS.glob("*.txt")):
        for paragraph in path.read_text().splitlines():
            found.update(_SPLIT.split(paragraph))
    cleaned = {" ".join(text.replace("\x00", "").split()) for text in found}
    return sorted(text for text in cleaned if 6 <= len(text.split()) <= 60)


def recombined(pool: list[str], rng: random.Random, *, max_words: int = 60) -> str:
    """The first part of one sentence and the rest of another: new sentences, the same vocabulary."""
    first, second = rng.choice(pool).split(), rng.choice(pool).split()
    cut_first, cut_second = rng.randint(2, len(first)), rng.randint(0, len(second) - 2)
    return " ".join((first[:cut_first] + second[cut_second:])[:max_words])


def _copy(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def seed(claims: int, verdicts: int) -> dict[str, float]:
    """Load the articles, claims, verdicts and citations; return the seconds each step took."""
    from django.db import connection, transaction

    from reviews.models import ClaimType, RatingLabel

    rng = random.Random(20)
    pool = sentences()
    print(f"{len(pool)} source sentences", file=sys.stderr)
    timings: dict[str, float] = {}
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    articles = claims // CLAIMS_PER_ARTICLE + 1
    types = list(ClaimType.values)
    ratings = list(RatingLabel.objects.filter(requires_citation=True).values_list("id", flat=True))
    with connection.cursor() as cursor:
        for index in (
            "claim_search_idx",
            "claim_published_search_idx",
            "article_search_idx",
            "verdict_search_idx",
        ):
            cursor.execute(f"DROP INDEX {index}")

    started = time.perf_counter()
    with transaction.atomic():
        _copy(
            "reviews_article",
            [
                "id",
                "title",
                "author",
                "publisher",
                "source_url",
                "origin",
                "content_type",
                "raw_text",
                "body",
                "content_hash",
                "status",
                "failure_reason",
                "extract_attempts",
                "extractor_version",
                "created_at",
                "updated_at",
                "changed_at",
                "scorecard_stale",
                "matching_status",
                "matching_changed_at",
                "matching_attempts",
                "matching_error",
                "source_encoding",
                "source_encoding_guessed",
                "claim_threshold_origin",
            ],
            (
                (
                    n,
                    recombined(pool, rng, max_words=14),
                    f"Reporter {n % 500}",
                    f"Outlet {n % 50}",
                    f"https://news{n % 50}.example/story/{n}",
                    "bench",
                    "text/plain",
                    "",
                    "",
                    f"{n:064x}",
                    "ready",
                    "",
                    1,
                    "bench",
                    now,
                    now,
                    now,
                    False,
                    "done",
                    now,
                    0,
                    "",
                    "",
                    False,
                    "",
                )
                for n in range(1, articles + 1)
            ),
        )
    timings["articles"] = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        _copy(
            "reviews_claim",
            [
                "id",
                "article_id",
                "text",
                "start",
                '"end"',
                "sentence_index",
                "score",
                "claim_type",
                "status",
                "mentions",
                "facts",
                "created_at",
            ],
            (
                (
                    n,
                    (n - 1) // CLAIMS_PER_ARTICLE + 1,
                    text,
                    0,
                    len(text),
                    (n - 1) % CLAIMS_PER_ARTICLE,
                    round(rng.random(), 3),
                    types[n % len(types)],
                    "claim" if n % 3 == 0 else "sentence",
                    "{}",
                    "{}",
                    now - dt.timedelta(seconds=claims - n),
                )
                for n in range(1, claims + 1)
                for text in (recombined(pool, rng),)
            ),
        )
    timings["claims"] = time.perf_counter() - started

    # Verdicts on every (claims // verdicts)-th check-worthy claim; their search vectors read the claim.
    step = max(3, (claims // max(verdicts, 1)) // 3 * 3)
    verdict_claims = list(range(step, claims + 1, step))[:verdicts]
    started = time.perf_counter()
    # Citations first (the foreign keys are checked at commit): each verdict's insert trigger then reads
    # its citation, instead of every citation's trigger rewriting its verdict's vector.
    with transaction.atomic():
        _copy(
            "reviews_citation",
            ["verdict_id", "url", "title", "publisher", "excerpt", "position"],
            (
                (
                    n,
                    f"https://stats{n % 30}.example/series/{n}",
                    recombined(pool, rng, max_words=12),
                    f"Statistics office {n % 30}",
                    "",
                    0,
                )
                for n in range(1, len(verdict_claims) + 1)
            ),
        )
        _copy(
            "reviews_verdict",
            [
                "id",
                "claim_id",
                "rating_id",
                "summary",
                "rationale",
                "status",
                "version",
                "correction_note",
                "editor_note",
                "retraction_note",
                "created_at",
                "updated_at",
                "submitted_at",
                "published_at",
            ],
            (
                (
                    n,
                    claim,
                    ratings[n % len(ratings)],
                    recombined(pool, rng, max_words=40),
                    " ".join(recombined(pool, rng) for _ in range(2)),
                    "published",
                    1,
                    "",
                    "",
                    "",
                    now,
                    now,
                    now,
                    now - dt.timedelta(minutes=len(verdict_claims) - n),
                )
                for n, claim in enumerate(verdict_claims, start=1)
            ),
        )
    timings["verdicts"] = time.perf_counter() - started

    # The verdicts' trigger flagged their 100,000 claims in one UPDATE, which wrote the new row versions
    # at the table's end. Put the claims back in id order, the order they were written in: storage order
    # decides which candidates a search keeps (docs/search.md), and earlier figures were taken on it.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("CLUSTER reviews_claim USING reviews_claim_pkey")
    timings["claims in id order"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("reviews_article", "reviews_claim", "reviews_verdict", "reviews_citation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 (fixed names)
            )
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("CREATE INDEX claim_search_idx ON reviews_claim USING gin (search_vector)")
        cursor.execute(
            "CREATE INDEX claim_published_search_idx ON reviews_claim USING gin (search_vector)"
            " WHERE has_published_verdict"
        )
        cursor.execute("CREATE INDEX article_search_idx ON reviews_article USING gin (search_vector)")
        cursor.execute("CREATE INDEX verdict_search_idx ON reviews_verdict USING gin (search_vector)")
    timings["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum"] = time.perf_counter() - started
    return {name: round(seconds, 1) for name, seconds in timings.items()}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}


def _timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm-up: plans, caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(repeat: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from reviews.models import Claim
    from reviews.selectors_search import claims_matching

    editor, _ = User.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="Editors"))
    token = str(Token.objects.get_or_create(user=editor)[0].key)
    consumer, _ = User.objects.get_or_create(username="bench-consumer")  # a token, no group
    consumer_token = str(Token.objects.get_or_create(user=consumer)[0].key)
    client = Client()

    def selector(query: str) -> Callable[[], Any]:
        def run() -> Any:
            found = claims_matching(Claim.objects.all(), query)
            return list(found[:50]), found.count()

        return run

    def api(path: str, query: str, *, as_editor: bool, as_consumer: bool = False) -> Callable[[], Any]:
        key = token if as_editor else consumer_token if as_consumer else None
        headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}

        def run() -> Any:
            response = client.get(path, {"q": query}, **headers)
            if response.status_code != 200:
                raise RuntimeError(f"{path}?q={query}: {response.status_code} {response.content[:200]!r}")
            return response

        return run

    surfaces: dict[str, Callable[[str], Callable[[], Any]]] = {
        "selector: claims (page of 50 + count)": selector,
        "API: /claims/ as an editor": lambda q: api("/api/v1/claims/", q, as_editor=True),
        "API: /claims/ anonymous": lambda q: api("/api/v1/claims/", q, as_editor=False),
        "API: /claims/ as a consumer": lambda q: api("/api/v1/claims/", q, as_editor=False, as_consumer=True),
        "API: /verdicts/ anonymous": lambda q: api("/api/v1/verdicts/", q, as_editor=False),
        "API: /verdicts/ as an editor": lambda q: api("/api/v1/verdicts/", q, as_editor=True),
        "API: /articles/ anonymous": lambda q: api("/api/v1/articles/", q, as_editor=False),
    }
    results: dict[str, Any] = {}
    for surface, make in surfaces.items():
        every: list[float] = []
        per_query: dict[str, dict[str, float]] = {}
        for query in QUERIES:
            samples = _timed(make(query), repeat)
            every += samples
            per_query[query] = _percentiles(samples)
        results[surface] = {"all": _percentiles(every), "queries": per_query}
        print(f"{surface}: {results[surface]['all']}", file=sys.stderr)
    matches = {query: claims_matching(Claim.objects.all(), query).count() for query in QUERIES}
    results["matches (claims, capped)"] = matches
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--verdicts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="time the database the last run loaded")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    url = f"{os.environ.get('BENCH_PG_URL', 'postgres://postgres@127.0.0.1:5432')}/{DB_NAME}"
    if not args.reuse:
        url = fresh_database(DB_NAME)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("FACTCHECK_THROTTLE_ANON", "100000000/minute")
    os.environ.setdefault("FACTCHECK_THROTTLE_USER", "100000000/minute")
    setup_django(url)
    load: dict[str, float] = {}
    if not args.reuse:
        migrate()
        load = seed(args.claims, args.verdicts)
        print(f"loaded: {load}", file=sys.stderr)
    report = {
        "machine": machine(),
        "load average": os.getloadavg(),
        "claims": args.claims,
        "verdicts": args.verdicts,
        "repeat": args.repeat,
        "load seconds": load,
        "results": measure(args.repeat),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(report["machine"], "load", report["load average"])
    for surface, figures in report["results"].items():
        print(surface, json.dumps(figures))


if __name__ == "__main__":
    main()
