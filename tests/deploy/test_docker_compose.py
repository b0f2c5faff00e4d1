"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
