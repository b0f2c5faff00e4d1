"""deploy/keep-running (what `./run demo` runs its worker under) and the systemd units in deploy/systemd/."""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEEP_RUNNING = ROOT / "deploy" / "keep-running"


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_a_command_that_exits_is_started_again_and_each_exit_is_reported(tmp_path: Path) -> None:
    runs, log = tmp_path / "runs", tmp_path / "worker.log"
    supervisor = subprocess.Popen(
        [str(KEEP_RUNNING), "--log", str(log), "--", "sh", "-c", f"echo run >> {runs}; exit 3"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: runs.exists() and len(runs.read_text().splitlines()) >= 3)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, stderr = supervisor.communicate(timeout=10)
    assert supervisor.returncode == 0
    reports = log.read_text().splitlines()
    assert len(reports) >= 2
    assert reports[0].endswith("keep-running: 'sh' exited with status 3; starting it again in 1 s")
    assert reports[1].endswith("keep-running: 'sh' exited with status 3; starting it again in 2 s")
    assert reports[0].split(" keep-running: ")[1] in stderr


def test_stopping_it_stops_the_command(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    supervisor = subprocess.Popen(
        [str(KEEP_RUNNING), "--", "sh", "-c", f"echo $$ > {pidfile}; exec sleep 300"],
        stderr=subprocess.PIPE,
    )
    _wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() != "")
    child = int(pidfile.read_text())
    assert _alive(child)
    supervisor.send_signal(signal.SIGINT)  # Ctrl-C in ./run demo
    supervisor.communicate(timeout=10)
    assert supervisor.returncode == 0
    _wait_for(lambda: not _alive(child), timeout=5)


def test_it_refuses_a_missing_command() -> None:
    done = subprocess.run([str(KEEP_RUNNING), "--"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "usage: keep-running [--log FILE] -- command [args...]\n"


def test_the_demo_runs_its_worker_under_keep_running() -> None:
    script = (ROOT / "run").read_text()
    assert "deploy/keep-running --log var/celery-worker.log -- \\\n" in script
    assert '"$VENV/bin/celery" -A factcheck worker' in script.split("deploy/keep-running", 1)[1]


@pytest.mark.parametrize("unit", ["factcheck-web", "factcheck-worker", "factcheck-beat"])
def test_systemd_units_always_restart(unit: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / "systemd" / f"{unit}.service")
    assert parser["Service"]["Restart"] == "always"
    assert int(parser["Service"]["RestartSec"]) > 0
    assert parser["Unit"]["StartLimitIntervalSec"] == "0", "systemd never gives up during a long outage"
    assert parser["Service"]["ExecStart"].startswith("/srv/factcheck/.venv/bin/")


def test_the_units_are_documented() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "sudo cp deploy/systemd/factcheck-*.service /etc/systemd/system/" in guide
    assert "`Restart=always`" in guide


def test_a_killed_command_is_started_again_and_what_it_left_is_stopped(tmp_path: Path) -> None:
    """As when the worker is SIGKILLed (out of memory, the outage drill): reported with the signal's
    status, started again, and a child it left behind (a worker's embedded beat) stopped first."""
    pids, log = tmp_path / "pids", tmp_path / "worker.log"
    script = f"sleep 300 & echo $$ $! >> {pids}; wait"
    supervisor = subprocess.Popen(
        [str(KEEP_RUNNING), "--log", str(log), "--", "sh", "-c", script], stderr=subprocess.DEVNULL
    )
    try:
        _wait_for(lambda: pids.exists() and len(pids.read_text().splitlines()) == 1)
        first, left_behind = map(int, pids.read_text().split())
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: len(pids.read_text().splitlines()) == 2)
        second = int(pids.read_text().splitlines()[1].split()[0])
        assert second != first
        assert _alive(second)
        _wait_for(lambda: not _alive(left_behind), timeout=5)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.communicate(timeout=10)
    assert (
        log.read_text()
        .splitlines()[0]
        .endswith("keep-running: 'sh' exited with status 137; starting it again in 1 s")
    )
