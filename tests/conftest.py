"""Suite-wide fixtures. Service availability is decided once, in factcheck.settings.test."""

from __future__ import annotations

from pathlib import Path

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
