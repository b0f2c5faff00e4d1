"""Read API throughput: gunicorn (2 gthread workers x 4 threads, production settings) on PostgreSQL with
100,000 published verdicts, loaded over loopback by wrk (Debian's `wrk`, `apt-get install wrk`).

    .venv/bin/python bench/api.py [--verdicts 100000] [--seconds 15] [--connections 8] [--threads 4]
                                  [--no-published-cache] [--as-consumer] [--reuse] [--json]

Three workloads, anonymous by default (`--as-consumer`: with an API consumer's token): the verdict list
(`/api/v1/verdicts/`, a page of 50, keyset cursor), one verdict by id (`/api/v1/verdicts/{id}/`, a random
published id per request) and the ClaimReview feed (`/api/v1/claimreview/`, 50 documents). Reports
requests/s and p50/p99 latency. Throttling stays on (counters in Redis db 12, as in production) with rates
the load cannot reach.
Targets (issue 16): >= 300 req/s on the list, >= 500 req/s on a detail, p99 < 100 ms, anonymous and as an
API consumer.

The seeded verdicts are bulk-created, not published through `verdict_publish`, so the run renders them
into the published cache (docs/architecture.md, "Caches") with `manage.py published_cache_build`, as a
deploy would after a cache flush; the verdict views then answer anonymous and consumer reads from it
(reviews/api/cached_reads.py). `--no-published-cache` turns it off, every request read from the database,
for comparison. `--reuse` serves the database the last run seeded instead of seeding afresh (minutes on
a loaded host), and the published cache it built if every verdict is still in it, so that runs of two
checkouts can alternate within a few minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

# The project root instead of bench/, whose queue.py would shadow the standard library's `queue`.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    cpu_seconds,
    fresh_database,
    machine,
    migrate,
    setup_django,
)

DB_NAME = "factcheck_bench_api"
BATCH = 5000
CLAIMS_PER_ARTICLE = 10
# Throttling counters and the published cache: this benchmark's own database number (bench/queue.py
# flushes 13, which this one used too, so each queue run cost the next `--reuse` run a rebuild).
CACHE_URL = "redis://127.0.0.1:6379/12"


def seed(count: int) -> tuple[int, int]:
    """`count` published verdicts (one per claim, 10 claims per article, 1 citation each); id range."""
    from django.db import connection
    from django.utils import timezone

    from reviews.models import (
        Article,
        ArticleStatus,
        Citation,
        Claim,
        ClaimStatus,
        ClaimType,
        RatingLabel,
        Verdict,
        VerdictStatus,
    )

    ratings = list(RatingLabel.objects.filter(requires_citation=True))
    types = list(ClaimType.values)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    now = timezone.now()
    articles = Article.objects.bulk_create(
        [
            Article(
                title=f"Bench article {n}",
                publisher=f"Outlet {n % 50}",
                source_url=f"https://news{n % 50}.example/story/{n}",
                raw_text=f"Article {n}.",
                body=f"Article {n}.",
                content_hash=f"{n:064x}",
                status=ArticleStatus.READY,
                published_on=(start + dt.timedelta(hours=n)).date(),
            )
            for n in range(count // CLAIMS_PER_ARTICLE + 1)
        ],
        batch_size=BATCH,
    )
    low = high = 0
    for offset in range(0, count, BATCH):
        numbers = range(offset, min(offset + BATCH, count))
        claims = Claim.objects.bulk_create(
            [
                Claim(
                    article=articles[n // CLAIMS_PER_ARTICLE],
                    text=f"Claim {n}: unemployment fell by {n % 40}% in {2000 + n % 25}.",
                    start=0,
                    end=40,
                    sentence_index=n % CLAIMS_PER_ARTICLE,
                    score=(n % 100) / 100,
                    claim_type=types[n % len(types)],
                    status=ClaimStatus.CLAIM,
                )
                for n in numbers
            ]
        )
        verdicts = Verdict.objects.bulk_create(
            [
                Verdict(
                    claim=claim,
                    rating=ratings[n % len(ratings)],
                    summary=f"The official figure for claim {n} is different; see the statistics office.",
                    rationale="We compared the claim with the published series. " * 5,
                    status=VerdictStatus.PUBLISHED,
                    published_at=start + dt.timedelta(minutes=n),
                    submitted_at=now,
                )
                for n, claim in zip(numbers, claims, strict=True)
            ]
        )
        Citation.objects.bulk_create(
            [
                Citation(
                    verdict=verdict, url=f"https://stats{n % 30}.example/series/{n}", title=f"Series {n}"
                )
                for n, verdict in zip(numbers, verdicts, strict=True)
            ]
        )
        low = low or verdicts[0].pk
        high = verdicts[-1].pk
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return low, high


def seeded() -> tuple[int, int, int]:
    """How many published verdicts a previous run seeded, and their id range (`--reuse`)."""
    from django.db.models import Count, Max, Min

    from reviews.models import Verdict, VerdictStatus

    found = Verdict.objects.filter(status=VerdictStatus.PUBLISHED).aggregate(
        count=Count("pk"), low=Min("pk"), high=Max("pk")
    )
    if not found["count"]:
        raise SystemExit(f"--reuse: {DB_NAME} holds no published verdicts; run once without --reuse")
    return int(found["count"]), int(found["low"]), int(found["high"])


def published_cache_complete(low: int, high: int) -> bool:
    """Whether the published cache holds every verdict from `low` to `high` (`--reuse`: a run of the
    same database left them there; the two checkouts compared render the same bytes)."""
    from reviews import published_cache

    for start in range(low, high + 1, 1000):
        ids = list(range(start, min(start + 1000, high + 1)))
        if len(published_cache.fragments_get(ids)) < len(ids):
            return False
    return True


def build_published_cache() -> float:
    """Render every seeded verdict into the published cache, as `verdict_publish` does for each one it
    publishes (the seed bulk-creates them instead); entries of earlier runs (other ids, other timestamps)
    are cleared first. Returns the seconds it took."""
    from django.core.cache import cache
    from django.core.management import call_command

    started = time.perf_counter()
    cache.clear()
    call_command("published_cache_build", chunk_size=1000, stdout=io.StringIO())
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    database_url: str, port: int, threads: int, *, published_cache: bool
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "CACHE_URL": CACHE_URL,
        "FACTCHECK_PUBLISHED_CACHE": "true" if published_cache else "false",
        # Rates the load cannot reach, over a window of one second: DRF's throttles keep every request's
        # time within the window in the counter, which each request unpickles and stores again, so a
        # minute's window at this load held tens of thousands (one client address, one token). A second's
        # holds a few hundred, as production's rates do (FACTCHECK_THROTTLE_USER: 600 a minute).
        "FACTCHECK_THROTTLE_ANON": "100000000/second",
        "FACTCHECK_THROTTLE_USER": "100000000/second",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "factcheck.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    if threads > 1:  # gthread workers: keep-alive, and one request's database wait overlaps another's work
        cmd += ["--worker-class", "gthread", "--threads", str(threads)]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/ratings/", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


LUA_RANDOM_DETAIL = """
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/verdicts/" .. math.random(%d, %d) .. "/")
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return round(float(value) * _UNITS[unit], 2)


def consumer_token() -> str:
    """The token of an API consumer account: no group, no permission (sees published work only)."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username="bench-consumer")
    return str(Token.objects.get_or_create(user=user)[0].key)


def run_wrk(
    url: str, *, seconds: int, connections: int, script: str | None = None, token: str | None = None
) -> dict[str, Any]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if token:
        cmd += ["-H", f"Authorization: Token {token}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
    }


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU used so far by the gunicorn workers (the processes whose parent is the master)."""
    return cpu_seconds(lambda _pid, _name, ppid: ppid == master_pid)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verdicts", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    # gthread by default: sync workers close the connection after every response, so each request also
    # pays a TCP connect and close on both ends, about as much as a cached answer itself costs; gthread
    # workers keep connections alive (as a proxy in front would) and overlap one request's wait on
    # PostgreSQL or Redis with another's work. 4 threads: more only adds GIL contention on 2 cores.
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (default 4, gthread; 1: sync workers)"
    )
    parser.add_argument(
        "--no-published-cache",
        action="store_true",
        help="serve every request through the API views (FACTCHECK_PUBLISHED_CACHE=false), for comparison",
    )
    parser.add_argument(
        "--as-consumer",
        action="store_true",
        help="send an API consumer's token with every request (default: anonymous)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="serve the database the last run seeded (no new seed)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    database_url = f"{PG_ADMIN_URL}/{DB_NAME}" if args.reuse else fresh_database(DB_NAME)
    # The cache gunicorn uses, so the seeded verdicts can be rendered into the published cache here.
    os.environ["CACHE_URL"] = CACHE_URL
    os.environ["FACTCHECK_PUBLISHED_CACHE"] = "false" if args.no_published_cache else "true"
    setup_django(database_url)
    migrate()
    started = time.perf_counter()
    if args.reuse:
        args.verdicts, low, high = seeded()
    else:
        low, high = seed(args.verdicts)
    seeded_in = time.perf_counter() - started
    cache_built_in = None
    if not args.no_published_cache:
        kept = args.reuse and published_cache_complete(low, high)
        cache_built_in = 0.0 if kept else build_published_cache()
    token = consumer_token() if args.as_consumer else None

    port = free_port()
    server = start_gunicorn(database_url, port, args.threads, published_cache=not args.no_published_cache)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(LUA_RANDOM_DETAIL % (low, high))
        workloads = [
            ("verdict list (50)", f"{base}/api/v1/verdicts/", None),
            ("verdict detail", base, lua.name),
            ("ClaimReview feed (50)", f"{base}/api/v1/claimreview/", None),
        ]
        for name, url, script in workloads:
            # warm-up: workers, caches
            run_wrk(url, seconds=3, connections=args.connections, script=script, token=token)
            cpu_before = worker_cpu_seconds(server.pid)
            row = run_wrk(url, seconds=args.seconds, connections=args.connections, script=script, token=token)
            spent = worker_cpu_seconds(server.pid) - cpu_before
            # CPU the app itself spent per request (not PostgreSQL's, not wrk's): what the throughput
            # would scale with on a machine that is not shared with other work.
            row["worker_cpu_ms_per_req"] = round(spent / (row["req_per_s"] * args.seconds) * 1000, 2)
            row["load_average"] = load_average()
            results[name] = row
        os.unlink(lua.name)
    finally:
        server.terminate()
        server.wait(timeout=30)

    summary = {
        "machine": machine(),
        "verdicts": args.verdicts,
        "seeded_in_s": round(seeded_in, 1),
        "published_cache": "off"
        if cache_built_in is None
        else f"on, {args.verdicts} verdicts rendered into it in {cache_built_in:.1f} s",
        "gunicorn": (f"2 gthread workers x {args.threads} threads" if args.threads > 1 else "2 sync workers")
        + ", factcheck.settings.production",
        "load": f"wrk -t2 -c{args.connections} -d{args.seconds}s"
        + (" (an API consumer's token, keep-alive)" if token else " (anonymous, keep-alive)"),
        "results": results,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"machine: {summary['machine']}")
    seeded_how = "reused" if args.reuse else f"seeded in {summary['seeded_in_s']} s"
    print(f"{args.verdicts} published verdicts {seeded_how}; {summary['load']}")
    print(f"gunicorn: {summary['gunicorn']}; published cache: {summary['published_cache']}")
    print(
        f"{'workload':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'cpu ms/req':>12}{'load':>7}"
    )
    for name, row in results.items():
        print(
            f"{name:<24}{row['req_per_s']:>9.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['non_2xx']:>9}"
            f"{row['worker_cpu_ms_per_req']:>12.2f}{row['load_average']:>7.2f}"
        )


if __name__ == "__main__":
    main()
