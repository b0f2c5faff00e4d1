"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reviews.private_redis import private_redis

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_full_stack_services_with_health_checks() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_app_services_share_one_definition() -> None:
    services = _compose()["services"]
    app = [services[name] for name in ("web", "worker", "beat")]
    for service in app:
        assert service["image"] == "factcheck:latest"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn factcheck.wsgi" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "factcheck", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "factcheck", "beat"]


def test_production_secret_has_no_default() -> None:
    env = _compose()["services"]["web"]["environment"]
    assert ":?" in env["DJANGO_SECRET_KEY"]


def test_the_image_runs_gunicorn() -> None:
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    assert '"gunicorn", "factcheck.wsgi"' in cmd


def test_the_web_health_check_calls_the_probe_that_skips_the_host_check() -> None:
    # /healthz answers before ALLOWED_HOSTS and the HTTPS redirect (tests/factcheck/test_middleware.py):
    # the production .env's host list and SSL redirect would turn a probe of 127.0.0.1 unhealthy.
    test = _compose()["services"]["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(test)


def test_env_file_reaches_the_app_but_not_the_image() -> None:
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == [{"path": ".env", "required": False}], name
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored


def test_app_services_are_restarted_when_they_exit() -> None:
    # A worker can exit for good when Redis drops (kombu's "Unrecoverable error"): compose must start it
    # again (docs/deploy.md).
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["restart"] in {"always", "unless-stopped"}, name


def test_the_worker_health_check_pings_its_own_node() -> None:
    check = _compose()["services"]["worker"]["healthcheck"]
    assert check["test"][0] == "CMD-SHELL"
    command = check["test"][1]
    assert command.startswith("celery -A factcheck inspect ping")
    # $$ is compose's escape for a literal $: the shell in the container expands its own host name.
    assert "-d celery@$$HOSTNAME" in command
    assert check["retries"] >= 1


@pytest.mark.broker
def test_the_worker_health_check_tells_a_live_worker_from_a_deaf_one(tmp_path: Path) -> None:
    """The compose worker's own command, on a private Redis, checked by the health check's own command:
    healthy while the worker answers, unhealthy once it stops answering (SIGSTOP: up but deaf)."""
    worker_command = _compose()["services"]["worker"]["command"]
    check = _compose()["services"]["worker"]["healthcheck"]["test"][1].replace("$$", "$")
    host = socket.gethostname()  # the container's $HOSTNAME, which Celery names its node after
    with private_redis() as redis:
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOSTNAME": host,
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
            "CELERY_BROKER_URL": redis.url,
            "FACTCHECK_VAR_DIR": str(tmp_path),
        }
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [*worker_command, "--logfile", str(log)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while "ready." not in (log.read_text() if log.exists() else ""):
                assert time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.2)

            def healthy() -> bool:
                done = subprocess.run(["sh", "-c", check], cwd=ROOT, env=env, capture_output=True, timeout=60)
                return done.returncode == 0

            assert healthy()
            worker.send_signal(signal.SIGSTOP)
            try:
                assert not healthy()
            finally:
                worker.send_signal(signal.SIGCONT)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def test_the_web_service_adds_up_its_workers_metrics_from_a_fresh_folder() -> None:
    # /metrics (factcheck/metrics.py): gunicorn's workers write their request timings to
    # PROMETHEUS_MULTIPROC_DIR; files of a previous run would be added in, so it is emptied at start.
    web = _compose()["services"]["web"]
    folder = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert folder.startswith("/tmp/")  # noqa: S108 (the container's own /tmp)
    assert web["command"].startswith(
        'sh -c "rm -rf $$PROMETHEUS_MULTIPROC_DIR && mkdir -p $$PROMETHEUS_MULTIPROC_DIR &&'
    )
    for name in ("worker", "beat"):
        assert "PROMETHEUS_MULTIPROC_DIR" not in _compose()["services"][name]["environment"], name
