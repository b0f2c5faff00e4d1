"""CPU and queries per reviewer cycle, in process: the queue API's hot path without the noise of a shared
machine. One Django process (production settings, PostgreSQL) serves `POST /api/v1/queue/next` ->
`POST /api/v1/tasks/{id}/submit` (one citation) through the full WSGI stack (middleware, DRF, token auth)
for --cycles cycles, calling the WSGI application as gunicorn does (so the request signals run: closing
stale connections, the connection health check), and reports the process CPU time per cycle, the CPU
time of its PostgreSQL backend (local server, read from /proc) and the SQL queries of each request.

    .venv/bin/python bench/queue_cpu.py [--cycles 300] [--queued 10000] [--profile 30]

`--profile N` prints the N most expensive functions (cProfile, cumulative) over the measured cycles.
The load generator of bench/queue.py and PostgreSQL are not in these figures: this is what a web worker
spends per cycle, the number that decides how many cycles fit on the machine's cores. The API's rate-limit
counters stay in the process's memory unless CACHE_URL says otherwise: set
`CACHE_URL=redis://127.0.0.1:6379/13` to count them in Redis, as deployed and as bench/queue.py does.

CPU time on a shared machine varies by 10-20% from run to run; instruction counts do not. To compare two
versions of the code, count the Python process's instructions per cycle under valgrind (about 20 s):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
        .venv/bin/python bench/queue_cpu.py --cycles 60 --queued 300 --callgrind 2>&1 | grep Collected

and divide by the cycles. The same code gives the same count within about 0.5%.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

# ruff: noqa: E402

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import time
from typing import Any

sys.path.insert(0, str(_HERE.parent))

from bench.common import cpu_seconds, fresh_database, migrate, setup_django


def backend_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a local PostgreSQL backend process so far."""
    return cpu_seconds(lambda other, _name, _ppid: other == pid)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--profile-out", help="also save the cProfile statistics to this file")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="run under `valgrind --tool=callgrind --instr-atstart=no`: instructions are counted for the"
        " measured cycles only (valgrind prints them as 'Collected')",
    )
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "FACTCHECK_THROTTLE_USER": "100000000/minute",
            "FACTCHECK_THROTTLE_ANON": "100000000/minute",
        }
    )
    database_url = fresh_database("factcheck_bench_queue_cpu")
    setup_django(database_url, settings="factcheck.settings.production")
    migrate()

    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.queue import SUBMIT_BODY, fill_queue, make_reviewers

    fill_queue(args.queued)
    (token,) = make_reviewers(1)
    application = get_wsgi_application()

    def post(path: str, body: dict[str, object] | None = None) -> tuple[int, dict[str, Any]]:
        """One request through the WSGI application, as gunicorn makes it (request_started and
        request_finished included: they close stale connections and run the health check)."""
        payload = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []

        def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(line)
            return lambda data: None

        response = application(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0]), json.loads(content) if content else {}

    def cycle() -> None:
        code, task = post("/api/v1/queue/next")
        assert code == 200, task
        code, answer = post(
            f"/api/v1/tasks/{task['id']}/submit", {**SUBMIT_BODY, "lease_token": task["lease_token"]}
        )
        assert code == 201, answer

    for _ in range(20):  # warm up: imports, URL resolver, the connection
        cycle()
    # The queries of one cycle, printed with --profile (capturing them costs time: not while timing).
    with CaptureQueriesContext(connection) as next_queries:
        _, task = post("/api/v1/queue/next")
    with CaptureQueriesContext(connection) as submit_queries:
        post(f"/api/v1/tasks/{task['id']}/submit", {**SUBMIT_BODY, "lease_token": task["lease_token"]})
    counts = len(next_queries), len(submit_queries)
    if args.profile:
        for name, captured in (("next", next_queries), ("submit", submit_queries)):
            print(f"--- {name}")
            for query in captured.captured_queries:
                print(" ", query["sql"][:400])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall time
    pg_cpu = backend_cpu_seconds(backend)
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    toggle = ["callgrind_control", str(os.getpid())]
    if args.callgrind:
        subprocess.run([*toggle[:1], "--instr=on", *toggle[1:]], check=True, capture_output=True)
    for _ in range(args.cycles):
        cycle()
    if args.callgrind:
        subprocess.run([*toggle[:1], "--instr=off", *toggle[1:]], check=True, capture_output=True)
    if profiler:
        profiler.disable()
    cpu = time.process_time() - cpu
    pg_cpu = backend_cpu_seconds(backend) - pg_cpu
    wall = time.perf_counter() - wall
    print(
        json.dumps(
            {
                "cycles": args.cycles,
                "cpu_ms_per_cycle": round(1000 * cpu / args.cycles, 2),
                "wall_ms_per_cycle": round(1000 * wall / args.cycles, 2),
                "postgres_cpu_ms_per_cycle": round(1000 * pg_cpu / args.cycles, 2),
                "queries_next": counts[0],
                "queries_submit": counts[1],
                "profiled": bool(profiler),
            }
        )
    )
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
