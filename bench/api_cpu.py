"""CPU per cached read, in process: anonymous against an API consumer's token, without the noise of a
shared machine. One Django process (production settings, PostgreSQL, the published cache in Redis db 12)
serves `GET /api/v1/verdicts/` and `GET /api/v1/verdicts/{id}/` (a random published id each time) through
the full WSGI stack, calling the WSGI application as gunicorn does, and reports per request the process's
CPU time and its PostgreSQL backend's CPU time (local server, read from /proc). The statements each read
makes are pinned by tests (tests/reviews/api/test_published_cache.py).

    .venv/bin/python bench/api_cpu.py [--requests 500] [--only consumer:detail] [--profile 30]

It serves the database and the published cache that the last `bench/api.py` run left (run that first):
what a web worker and PostgreSQL spend per read, which decides how many reads fit on the machine's
cores, and where a consumer's read costs more than an anonymous one.

`--only CALLER:WORKLOAD` (`anonymous` or `consumer`, `list` or `detail`) measures one of the four;
`--profile N` prints the N most expensive functions (cProfile over CPU time, cumulative and own) over
the measured requests. CPU time on a shared machine varies by 10-20% from run to run; instruction counts
do not. To compare two versions of the code, count the process's instructions per request under valgrind:

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
        .venv/bin/python bench/api_cpu.py --requests 200 --only consumer:detail --callgrind 2>&1 \
        | grep Collected

and divide by the requests.
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
import os
import pstats
import random
import subprocess
import time
from typing import Any

sys.path.insert(0, str(_HERE.parent))

from bench.api import CACHE_URL, DB_NAME, consumer_token, seeded
from bench.common import PG_ADMIN_URL, cpu_seconds, machine, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument(
        "--only", metavar="CALLER:WORKLOAD", help="one of the four: anonymous|consumer : list|detail"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="run under `valgrind --tool=callgrind --instr-atstart=no`: instructions are counted for the"
        " measured requests only",
    )
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_CONN_MAX_AGE": "600",
            "CACHE_URL": CACHE_URL,
            "FACTCHECK_PUBLISHED_CACHE": "true",
            # As bench/api.py: out of reach, over a second, so each counter holds a second's requests.
            "FACTCHECK_THROTTLE_USER": "100000000/second",
            "FACTCHECK_THROTTLE_ANON": "100000000/second",
        }
    )
    setup_django(f"{PG_ADMIN_URL}/{DB_NAME}", settings="factcheck.settings.production")

    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    _count, low, high = seeded()
    token = consumer_token()
    application = get_wsgi_application()

    def get(path: str, authorization: str | None) -> int:
        """One request through the WSGI application, as gunicorn makes it (request_started and
        request_finished included: they close stale connections and run the health check)."""
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if authorization:
            environ["HTTP_AUTHORIZATION"] = authorization
        status: list[str] = []

        def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(line)
            return lambda data: None

        response = application(environ, start_response)
        try:
            b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rows: list[dict[str, Any]] = []
    randomness = random.Random(7)
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall time
    for caller, authorization in (("anonymous", None), ("consumer", f"Token {token}")):
        for workload in ("verdict list (50)", "verdict detail"):
            if args.only and args.only != f"{caller}:{workload.split()[1]}":
                continue

            def path(workload: str = workload) -> str:
                if workload == "verdict detail":
                    return f"/api/v1/verdicts/{randomness.randint(low, high)}/"
                return "/api/v1/verdicts/"

            for _ in range(50):  # warm-up: connections, caches
                assert get(path(), authorization) == 200
            paths = [path() for _ in range(args.requests)]
            pg_before = cpu_seconds(lambda pid, _name, _ppid: pid == backend)
            started = time.process_time()
            if args.callgrind:
                subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True)
            if profiler:
                profiler.enable()
            for request_path in paths:
                get(request_path, authorization)
            if profiler:
                profiler.disable()
            if args.callgrind:
                subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True)
            spent = time.process_time() - started
            pg_spent = cpu_seconds(lambda pid, _name, _ppid: pid == backend) - pg_before
            rows.append(
                {
                    "caller": caller,
                    "workload": workload,
                    "cpu_ms": spent / args.requests * 1000,
                    "pg_cpu_ms": pg_spent / args.requests * 1000,
                }
            )
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; {args.requests} requests each")
    print(f"{'caller':<11}{'workload':<20}{'cpu ms/req':>11}{'pg cpu ms/req':>15}")
    for row in rows:
        print(f"{row['caller']:<11}{row['workload']:<20}{row['cpu_ms']:>11.2f}{row['pg_cpu_ms']:>15.2f}")
    if profiler:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
