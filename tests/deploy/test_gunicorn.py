"""gunicorn as deployed (several sync workers, PROMETHEUS_MULTIPROC_DIR, gunicorn.conf.py): /metrics adds
up every worker's request timings, and the access log names each request's id."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import _database_url

ROOT = Path(__file__).resolve().parents[2]
HTTP = "factcheck_http_request_duration_seconds"

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(transactional_db: None, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "FACTCHECK_VAR_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "factcheck.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--access-logfile", str(access_log)),
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield url, access_log
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, request_id: str | None = None) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}  # the API's JSON: no static files needed (no collectstatic)
    if request_id:
        headers["X-Request-ID"] = request_id
    response = httpx.get(url, headers=headers, timeout=10)
    return response.status_code, response.content


def test_metrics_add_up_every_workers_requests(gunicorn: tuple[str, Path]) -> None:
    url, access_log = gunicorn
    # Eight clients at once: each sync worker serves one at a time, so both workers take some.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: _get(f"{url}/api/v1/verdicts/", f"gunicorn-{n}")[0], range(40)))
    assert statuses == [200] * 40
    status, body = _get(f"{url}/metrics")
    assert status == 200
    found = {f.name: f for f in text_string_to_metric_families(body.decode())}
    counts = [
        s.value
        for s in found[HTTP].samples
        if s.name == HTTP + "_count" and s.labels == {"view": "verdict-list", "method": "GET"}
    ]
    assert counts == [40]
    files = list((Path(access_log.parent) / "prometheus").glob("histogram_*.db"))
    assert len(files) == 2, "both workers served and wrote their own file"
    lines = access_log.read_text().splitlines()
    assert any(
        line.endswith(" request_id=gunicorn-7") and '"GET /api/v1/verdicts/ HTTP/1.1" 200' in line
        for line in lines
    )
