"""Review-queue throughput over HTTP: K reviewer clients loop next -> submit (one citation) against gunicorn
on PostgreSQL, for K = 1, 4, 16, 32 and with 10,000 and 1,000,000 tasks queued.

    .venv/bin/python bench/queue.py [--sizes 10000 1000000] [--clients 1 4 16 32] [--seconds 15]
        [--warmup 3] [--worker-class sync] [--workers 3] [--threads 8] [--client wrk] [--json]

Reports completed tasks/s, p50/p95/p99 latency of `POST /api/v1/queue/next` and of `/submit`, the CPU per
completed task of the web tier (gunicorn master + workers) and of PostgreSQL (all its processes), both
from /proc, and double assignments (a task leased more than once: leases last 20 minutes, so any second
lease during the run would be a double assignment). The queue is topped up to the stated size before
each run. Each run's clients first work --warmup seconds unmeasured (a cold gunicorn worker's first
requests import code and open database connections: without a warm-up those few requests were the p99),
then --seconds measured.

gunicorn runs as deployed (docker-compose.yml, Dockerfile): sync workers, 3 by default on 2 cores, with
production settings and Redis as the Celery broker and as the cache
(rate-limit counters). `--worker-class gthread` runs threaded workers instead, with connections per
worker capped at a fair share of the K clients (see `connections_per_worker`).

The clients are wrk threads running bench/queue_wrk.lua (Debian's `wrk`: `apt-get install wrk`), one
reviewer per thread; `--client python` uses Python threads with http.client instead, which cost the
server's 2 cores more CPU. Loopback only; every loop is bounded by --warmup + --seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `queue`: drop its folder from the import path before
# anything (psycopg, gunicorn) imports the real one.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

# ruff: noqa: E402

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, str(_HERE.parent))

from bench.common import ROOT, cpu_seconds, fresh_database, machine, migrate, setup_django

SUBMIT_BODY = {
    "rating": "false",
    "summary": "The figure is wrong by an order of magnitude.",
    "citations": [{"url": "https://example.org/source", "title": "Source", "publisher": "Example"}],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill_queue(target: int, claims_per_article: int = 10) -> None:
    """Top the queue up to `target` available tasks with set-based SQL (fast even for a million), as
    articles of `claims_per_article` claims each, like real ingested articles."""
    import uuid

    from django.db import connection

    from reviews.models import ReviewTask, TaskStatus

    missing = target - ReviewTask.objects.filter(status=TaskStatus.AVAILABLE).count()
    if missing <= 0:
        return
    batch = f"bench-{uuid.uuid4().hex[:8]}"
    articles = -(-missing // claims_per_article)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO reviews_article (title, author, publisher, origin, content_type, raw_text, body,"
            " content_hash, status, failure_reason, extractor_version, created_at, updated_at, changed_at,"
            " source_url, matching_status, matching_changed_at, matching_attempts, matching_error,"
            " extract_attempts, scorecard_stale, source_encoding, source_encoding_guessed,"
            " claim_threshold_origin)"
            " SELECT 'bench', '', '', %s, 'text/plain', 'x', %s, md5(%s || g::text) ||"
            " md5(random()::text), 'ready', '', 'bench', now(), now(), now(), '', 'done', now(), 0, '',"
            " 0, false, '', false, ''"
            " FROM generate_series(1, %s) g",
            [batch, "The ministry said exports rose 4% in 2020. " * 20, batch, articles],
        )
        cur.execute(
            'INSERT INTO reviews_claim (article_id, text, start, "end", sentence_index, score, claim_type,'
            " status, mentions, facts, created_at)"
            " SELECT a.id, 'The ministry said exports rose 4%% in 2020.', 0, 42, s,"
            " random(), 'statistic', 'claim', '{}', '{}', now()"
            " FROM reviews_article a CROSS JOIN generate_series(1, %s) s WHERE a.origin = %s",
            [claims_per_article, batch],
        )
        cur.execute(
            "INSERT INTO reviews_reviewtask (claim_id, status, priority, article_date, attempts, created_at,"
            " updated_at) SELECT c.id, 'available', (c.score * 1000)::int,"
            " now() - (random() * interval '30 days'), 0, now(), now()"
            " FROM reviews_claim c JOIN reviews_article a ON a.id = c.article_id WHERE a.origin = %s",
            [batch],
        )
        cur.execute("ANALYZE reviews_reviewtask")


def make_reviewers(count: int) -> list[str]:
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    group = Group.objects.get(name="Reviewers")
    tokens = []
    for n in range(count):
        user, _ = User.objects.get_or_create(username=f"bench-reviewer-{n}")
        user.groups.add(group)
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def connections_per_worker(clients: int, workers: int, max_threads: int) -> tuple[int, int]:
    """gunicorn's --worker-connections and --threads for a run with `clients` keep-alive clients.

    A gthread worker keeps every connection it accepted for the connection's life, and the first worker
    to wake accepts as many as --worker-connections allows (1000 by default): with 16 clients connecting
    at once, one worker took all 16 and ran every request on one core under its GIL while the other
    workers sat idle (docs/benchmarks.md, "Review queue"). Capping connections at a fair
    share plus one spreads the clients over all workers. Threads overlap database waits; about half the
    connections is enough, and they must stay below the cap or gunicorn keeps no connection alive.
    """
    connections = -(-clients // workers) + 1
    threads = max(1, min(max_threads, -(-connections // 2)))
    return connections, threads


def start_gunicorn(
    database_url: str, port: int, worker_class: str, workers: int, threads: int, connections: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        # As deployed: the messages the web tier sends (scorecard builds, published-cache renders) cost a
        # Redis round trip each. Nothing consumes them here; db 14 is flushed before and after.
        "CELERY_BROKER_URL": BENCH_BROKER,
        # As deployed: the API's rate-limit counters live in Redis, one round trip per request (the
        # limits are raised out of reach, but every request is still counted). db 13, flushed likewise.
        "CACHE_URL": BENCH_CACHE,
        "FACTCHECK_THROTTLE_USER": "100000000/minute",
        "FACTCHECK_THROTTLE_ANON": "100000000/minute",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "factcheck.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            *(
                ["--threads", str(threads), "--worker-connections", str(connections)]
                if worker_class == "gthread"
                else []
            ),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


class Client(threading.Thread):
    """One reviewer looping next -> submit until `until`; only cycles that start at or after `measure_from`
    are recorded (before that the server warms up: worker imports, connections, caches)."""

    def __init__(self, port: int, token: str, measure_from: float, until: float) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.measure_from, self.until = port, token, measure_from, until
        self.next_ms: list[float] = []
        self.submit_ms: list[float] = []
        self.completed = 0
        self.errors: list[str] = []

    def request(
        self, conn: http.client.HTTPConnection, path: str, body: dict[str, object] | None
    ) -> tuple[int, bytes]:
        payload = json.dumps(body or {}).encode()
        conn.request(
            "POST",
            path,
            body=payload,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, response.read()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.monotonic() < self.until:
            measured = time.monotonic() >= self.measure_from
            t0 = time.perf_counter()
            status, data = self.request(conn, "/api/v1/queue/next", None)
            next_ms = (time.perf_counter() - t0) * 1000
            if measured:
                self.next_ms.append(next_ms)
            if status == 204:
                break
            if status != 200:
                self.errors.append(f"next {status} {data[:200]!r}")
                break
            task = json.loads(data)
            t0 = time.perf_counter()
            status, data = self.request(
                conn,
                f"/api/v1/tasks/{task['id']}/submit",
                {**SUBMIT_BODY, "lease_token": task["lease_token"]},
            )
            if measured:
                self.submit_ms.append((time.perf_counter() - t0) * 1000)
            if status != 201:
                self.errors.append(f"submit {status} {data[:200]!r}")
                break
            if measured:
                self.completed += 1
        conn.close()


WRK_SCRIPT = ROOT / "bench" / "queue_wrk.lua"
BENCH_BROKER = "redis://127.0.0.1:6379/14"
BENCH_CACHE = "redis://127.0.0.1:6379/13"


def flush_broker() -> None:
    """Empty the Redis databases the server under test uses (broker and cache)."""
    import redis

    for url in (BENCH_BROKER, BENCH_CACHE):
        redis.Redis.from_url(url).flushdb()


def run_wrk(
    port: int, tokens: list[str], warmup: float, seconds: float
) -> tuple[list[float], list[float], int, list[str]]:
    """The same loop as `Client`, one reviewer per wrk thread (C, epoll, LuaJIT): the load generator then
    takes a few hundredths of the CPU the Python threads take, which leaves the 2 cores to the server."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        env = {
            **os.environ,
            "BENCH_TOKENS": ",".join(tokens),
            "BENCH_WARMUP": str(warmup),
            "BENCH_OUT": out.name,
            "BENCH_SUBMIT_BODY": json.dumps(SUBMIT_BODY)[1:],
        }
        k = len(tokens)
        subprocess.run(
            [
                "wrk",
                "-t",
                str(k),
                "-c",
                str(k),
                "-d",
                f"{round(warmup + seconds)}s",
                "--timeout",
                "30s",
                "-s",
                str(WRK_SCRIPT),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        nexts: list[float] = []
        submits: list[float] = []
        completed = 0
        errors: list[str] = []
        for line in out.read().splitlines():
            kind, _, value = line.partition(" ")
            if kind == "next":
                nexts.append(float(value))
            elif kind == "submit":
                submits.append(float(value))
            elif kind == "completed":
                completed += int(float(value))
            elif kind == "error":
                errors.append(value)
    return nexts, submits, completed, errors


def server_cpu_seconds(master_pid: int) -> float:
    """CPU seconds used so far by the gunicorn master and its live workers: the web tier's CPU per task."""
    return cpu_seconds(lambda pid, _name, ppid: master_pid in (pid, ppid))


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by the local PostgreSQL server's processes (all backends, the
    checkpointer, autovacuum...): with `server_cpu_seconds`, where each task's CPU goes."""
    return cpu_seconds(lambda _pid, name, _ppid: name.startswith("postgres"))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def double_assignments() -> int:
    from reviews.models import ReviewTask

    return ReviewTask.objects.filter(attempts__gt=1).count()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 32])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds each run's clients work before measuring starts (default 3)",
    )
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class (default sync, as deployed)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="gthread only: at most this many threads per worker (default 8)",
    )
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk",
        help="load generator: wrk with bench/queue_wrk.lua (default) or Python threads",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk, or use --client python")

    database_url = fresh_database("factcheck_bench_queue")
    setup_django(database_url)
    migrate()
    tokens = make_reviewers(max(args.clients))
    port = free_port()
    rows = []
    server: subprocess.Popen[bytes] | None = None
    flush_broker()
    try:
        for size in args.sizes:
            for k in args.clients:
                fill_queue(size)
                if server is not None:
                    server.terminate()
                    server.wait(timeout=30)
                connections, threads = connections_per_worker(k, args.workers, args.threads)
                if args.worker_class == "sync":
                    connections = threads = 1
                server = start_gunicorn(
                    database_url, port, args.worker_class, args.workers, threads, connections
                )
                start = time.monotonic()
                measure_from = start + args.warmup
                if args.client == "wrk":
                    with ThreadPoolExecutor(1) as pool:
                        running = pool.submit(run_wrk, port, tokens[:k], args.warmup, args.seconds)
                        time.sleep(max(0.0, measure_from - time.monotonic()))
                        cpu_before = server_cpu_seconds(server.pid)
                        db_before = postgres_cpu_seconds()
                        nexts, submits, completed, errors = running.result()
                    cpu_used = server_cpu_seconds(server.pid) - cpu_before
                    db_used = postgres_cpu_seconds() - db_before
                    elapsed = args.seconds
                else:
                    clients = [
                        Client(port, tokens[i], measure_from, measure_from + args.seconds) for i in range(k)
                    ]
                    for client in clients:
                        client.start()
                    time.sleep(max(0.0, measure_from - time.monotonic()))
                    cpu_before = server_cpu_seconds(server.pid)
                    db_before = postgres_cpu_seconds()
                    for client in clients:
                        client.join()
                    cpu_used = server_cpu_seconds(server.pid) - cpu_before
                    db_used = postgres_cpu_seconds() - db_before
                    # Cycles that started inside the window and finished after it count, so divide by the
                    # time until the last one finished.
                    elapsed = time.monotonic() - measure_from
                    nexts = [ms for c in clients for ms in c.next_ms]
                    submits = [ms for c in clients for ms in c.submit_ms]
                    errors = [e for c in clients for e in c.errors]
                    completed = sum(c.completed for c in clients)
                row = {
                    "queued": size,
                    "clients": k,
                    "completed": completed,
                    "tasks_per_s": round(completed / elapsed, 1),
                    "next_p50_ms": round(pct(nexts, 50), 1),
                    "next_p95_ms": round(pct(nexts, 95), 1),
                    "next_p99_ms": round(pct(nexts, 99), 1),
                    "submit_p50_ms": round(pct(submits, 50), 1),
                    "submit_p95_ms": round(pct(submits, 95), 1),
                    "submit_p99_ms": round(pct(submits, 99), 1),
                    "server_cpu_ms_per_task": round(1000 * cpu_used / max(1, completed), 2),
                    "postgres_cpu_ms_per_task": round(1000 * db_used / max(1, completed), 2),
                    "gunicorn": (
                        f"{args.workers} sync workers"
                        if args.worker_class == "sync"
                        else f"{args.workers} x {threads} threads, {connections} connections each"
                    ),
                    "double_assignments": double_assignments(),
                    "errors": errors[:3],
                }
                rows.append(row)
                if not args.json:
                    print(json.dumps(row), flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        flush_broker()
    result = {
        "machine": machine(),
        "gunicorn": (
            f"{args.workers} sync workers"
            if args.worker_class == "sync"
            else f"{args.workers} gthread workers, connections and threads per run (see rows)"
        ),
        "client": args.client,
        "seconds_per_run": args.seconds,
        "warmup_seconds": args.warmup,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"\nmachine: {result['machine']}; gunicorn {result['gunicorn']}; client {args.client}")
    print(
        "| queued | K | tasks/s | next p50 / p95 / p99 ms | submit p50 / p95 / p99 ms | double assignments"
        " | web / db cpu ms/task |"
    )
    print("|---:|---:|---:|---|---|---:|---|")
    for r in rows:
        print(
            f"| {r['queued']:,} | {r['clients']} | {r['tasks_per_s']} | "
            f"{r['next_p50_ms']} / {r['next_p95_ms']} / "
            f"{r['next_p99_ms']} | {r['submit_p50_ms']} / {r['submit_p95_ms']} / {r['submit_p99_ms']} | "
            f"{r['double_assignments']} | {r['server_cpu_ms_per_task']} / {r['postgres_cpu_ms_per_task']} |"
        )


if __name__ == "__main__":
    main()
