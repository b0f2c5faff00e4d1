"""reviews.checks: settings the app cannot work with are reported before anything starts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reviews.checks import check_published_cache, check_scorer


@pytest.mark.parametrize("kind", ["model", "heuristic"])
def test_a_known_scorer_passes(settings, kind: str) -> None:
    settings.FACTCHECK_SCORER = kind
    assert check_scorer() == []


def test_an_unknown_scorer_stops_every_command_before_it_starts(settings) -> None:
    settings.FACTCHECK_SCORER = "bogus"
    [error] = check_scorer()
    assert (error.id, error.msg) == (
        "reviews.E001",
        "FACTCHECK_SCORER must be 'model' or 'heuristic', not 'bogus'.",
    )
    with pytest.raises(SystemCheckError, match=r"reviews\.E001"):
        call_command("ingest", "/nonexistent.txt", skip_checks=False)


def test_a_published_cache_in_process_memory_is_a_warning(settings) -> None:
    settings.FACTCHECK_PUBLISHED_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [warning] = check_published_cache()
    assert warning.id == "reviews.W001"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
    }
    assert check_published_cache() == []
    settings.FACTCHECK_PUBLISHED_CACHE = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert check_published_cache() == []
