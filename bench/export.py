"""Exports: time and peak memory of writing N published verdicts in each format (issue 20).

    .venv/bin/python bench/export.py [--verdicts 100000] [--sizes 10000 100000] [--json]

Seeds `--verdicts` published verdicts (bench/api.py's seed: one per claim, 10 claims per article, one
citation each) into its own PostgreSQL database, then runs `export_run` for each format and each size in a
fresh Python process (the first `--sizes` verdicts, chosen with the `published_before` filter, as an editor
would), so each run's memory is its own. Reports seconds, rows/s, the RSS before the run (Django loaded),
the peak RSS during it (VmHWM, reset just before the run), and the file's size. Memory flat in the number
of verdicts means the peak does not grow from the smaller size to the larger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The project root instead of bench/, whose queue.py would shadow the standard library's `queue`.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import ROOT, fresh_database, machine, migrate, setup_django  # noqa: E402

DB_NAME = "factcheck_bench_export"
FORMATS = ("csv", "jsonl", "claimreview")
# bench/api.py's seed publishes verdict n at this time plus n minutes.
SEED_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS now, VmHWM its peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def _reset_peak() -> None:
    # Linux: "5" resets the peak RSS (VmHWM) to the current RSS, so the peak read after the run is the
    # run's own, not Django's start-up's.
    Path("/proc/self/clear_refs").write_text("5")


def run_one(database_url: str, fmt: str, size: int) -> dict[str, object]:
    """In this (fresh) process: export the first `size` seeded verdicts as `fmt`; the figures."""
    setup_django(database_url)
    from django.contrib.auth.models import User

    from reviews.models import Export, ExportState
    from reviews.services.exports import export_run, export_storage

    owner, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_superuser": True})
    before = (SEED_START + dt.timedelta(minutes=size)).isoformat()
    export = Export.objects.create(owner=owner, format=fmt, filters={"published_before": [before]})
    _reset_peak()
    rss_before = _status_mb("VmRSS")
    started = time.perf_counter()
    state = export_run(export_id=export.pk)
    seconds = time.perf_counter() - started
    export.refresh_from_db()
    assert state == ExportState.DONE, (state, export.error)
    assert export.rows_written == size, (export.rows_written, size)
    export_storage().delete(export.file_name)
    return {
        "format": fmt,
        "rows": export.rows_written,
        "seconds": round(seconds, 2),
        "rows_per_s": round(export.rows_written / seconds),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "file_mb": round((export.file_size or 0) / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verdicts", type=int, default=100_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--run", nargs=3, metavar=("DATABASE_URL", "FORMAT", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run[0], args.run[1], int(args.run[2]))))
        return

    exports_dir = tempfile.mkdtemp(prefix="factcheck-bench-exports-")
    os.environ["FACTCHECK_EXPORTS_DIR"] = exports_dir
    database_url = fresh_database(DB_NAME)
    setup_django(database_url)
    migrate()
    from bench.api import seed

    started = time.perf_counter()
    seed(args.verdicts)
    seeded_in = time.perf_counter() - started

    results = []
    for size in args.sizes:
        for fmt in FORMATS:
            out = subprocess.run(
                [sys.executable, __file__, "--run", database_url, fmt, str(size)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "DJANGO_LOG_LEVEL": "WARNING"},
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    summary = {
        "machine": machine(),
        "load_average": os.getloadavg(),
        "verdicts_seeded": args.verdicts,
        "seeded_in_s": round(seeded_in, 1),
        "results": results,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"machine: {summary['machine']}; load average after: {os.getloadavg()[0]:.2f}")
    print(f"{args.verdicts} published verdicts seeded in {summary['seeded_in_s']} s")
    print(
        f"{'format':<12}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'RSS before':>11}{'peak RSS':>9}{'file MB':>8}"
    )
    for row in results:
        print(
            f"{row['format']:<12}{row['rows']:>9}{row['seconds']:>9}{row['rows_per_s']:>9}"
            f"{row['rss_before_mb']:>11}{row['peak_rss_mb']:>9}{row['file_mb']:>8}"
        )


if __name__ == "__main__":
    main()
