"""Suite-wide fixtures. Service availability is decided once, in factcheck.settings.test."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = settings.FACTCHECK_TEST_SERVICES_PROBLEMS
    for item in items:
        if "postgres" in item.keywords and not settings.FACTCHECK_TEST_POSTGRES:
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL not reachable: {problems['postgres']}"))
        if "broker" in item.keywords and not settings.FACTCHECK_TEST_REDIS_URL:
            item.add_marker(pytest.mark.skip(reason=f"Redis not reachable: {problems['redis']}"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    return [
        f"factcheck: database {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}; "
        f"broker {settings.FACTCHECK_TEST_REDIS_URL or 'none (broker tests skipped)'}"
    ]


def seed_reference_data() -> None:
    """The rating scale and groups the data migrations create (idempotent)."""
    from django.apps import apps

    import_module("reviews.migrations.0002_default_ratings_and_groups").seed(apps, None)
    import_module("reviews.migrations.0010_editors_see_matches").grant(apps, None)
    import_module("reviews.migrations.0012_editors_manage_webhooks").grant(apps, None)
    import_module("reviews.migrations.0018_editors_see_notifications").grant(apps, None)
    import_module("reviews.migrations.0022_editors_manage_feeds").grant(apps, None)
    import_module("reviews.migrations.0029_editors_manage_source_thresholds").grant(apps, None)


@pytest.fixture(autouse=True)
def _reseed_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests (real threads, worker processes, live server) end with a flush, which empties
    every table, including the rows the data migration seeded; put them back for the next such test."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        seed_reference_data()


@pytest.fixture
def editor(db: None):
    user = UserFactory.create(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(db: None):
    user = UserFactory.create(username="rev")
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture
def exports_dir(settings: Any, tmp_path: Path) -> Path:
    """The "exports" storage at a folder of this test's own (reviews/services/exports.py)."""
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder
