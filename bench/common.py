"""Shared set-up for the benchmarks: a throwaway PostgreSQL database and Django configured against it."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        info: dict[str, str] = {}
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                break  # the first processor's block ends at its first blank line
            info.setdefault(key.strip(), value.strip())
        # Hosts of one machine kind can all read "AMD EPYC" and still run the same code 1.6 times faster or
        # slower (docs/benchmarks.md, review queue): family, model and clock tell them apart.
        cpu = info.get("model name", cpu)
        if "cpu family" in info:
            cpu += f" family {info['cpu family']} model {info.get('model', '?')}"
        if "cpu MHz" in info:
            cpu += f" at {float(info['cpu MHz']) / 1000:.1f} GHz"
    except (OSError, ValueError):
        pass
    # Which build of Python: the same version runs about a tenth faster when built with profile-guided
    # and link-time optimisation (Debian's python3.11, the official Docker images) than without (a
    # default pyenv build); docs/benchmarks.md, review queue, session 6.
    python = f"Python {platform.python_version()} ({sys.base_prefix})"
    return f"{os.cpu_count()} cores ({cpu}), {python}, {platform.system()}"


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, name, parent pid, CPU ticks used so far) of every live process, read from Linux /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        # After the command: state, ppid, ..., utime and stime are the 12th and 13th fields.
        fields = text.rsplit(")", 1)[1].split()
        yield int(stat.parent.name), name, int(fields[1]), int(fields[11]) + int(fields[12])


def cpu_seconds(select: Callable[[int, str, int], bool]) -> float:
    """User + system CPU seconds used so far by the live processes `select(pid, name, parent pid)` picks,
    read from Linux /proc: what a server spent, which other load on a shared machine hardly moves."""
    ticks = sum(used for pid, name, ppid, used in _processes() if select(pid, name, ppid))
    return ticks / os.sysconf("SC_CLK_TCK")


def pids(select: Callable[[int, str, int], bool]) -> list[int]:
    """The live processes `select(pid, name, parent pid)` picks."""
    return [pid for pid, name, ppid, _ in _processes() if select(pid, name, ppid)]


def fresh_database(name: str) -> str:
    """Drop and re-create database `name`; return its URL."""
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL}/{name}"


def setup_django(
    database_url: str, broker_url: str = "memory://", settings: str = "factcheck.settings.local"
) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ.setdefault("DJANGO_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]
