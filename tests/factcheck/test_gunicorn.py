"""factcheck/gunicorn.py: each worker imports the URLconf and freezes its heap once it has loaded the
project."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from django.urls import clear_url_caches, get_resolver

from factcheck import gunicorn


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session keeps its usual collector


def test_warm_up_loads_the_urlconf_and_freezes_the_heap(unfrozen: None) -> None:
    clear_url_caches()  # as in a fresh worker: the URL patterns are not loaded yet
    assert "url_patterns" not in vars(get_resolver())
    assert gc.get_freeze_count() == 0
    gunicorn.post_worker_init(worker=None)
    assert "url_patterns" in vars(get_resolver())
    assert gc.get_freeze_count() > 10_000
