"""reviews/api/throttling.py: fixed-window counters; with Redis, request numbers are taken in blocks."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.core.cache import cache, caches
from rest_framework.throttling import SimpleRateThrottle

from reviews.api import throttling
from reviews.api.throttling import TokenThrottle


@pytest.mark.parametrize(
    ("rate", "batch"),
    [("60/minute", 1), ("199/minute", 1), ("200/minute", 2), ("600/minute", 6), ("100000000/minute", 16)],
)
def test_batch_is_a_hundredth_of_the_limit_up_to_16(
    monkeypatch: pytest.MonkeyPatch, rate: str, batch: int
) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": rate})
    assert TokenThrottle().batch == batch


def _caller(pk: int) -> Any:
    return SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=pk), META={})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]  # a minute window starts at 999,960 and ends at 1,000,020
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now[0])
    monkeypatch.setattr(throttling, "_claims", {})
    return now


@pytest.fixture
def redis_cache(settings: Any, clock: list[float]) -> Iterator[Any]:
    if not settings.FACTCHECK_TEST_REDIS_URL:
        pytest.skip("Redis not reachable")  # CI=true fails the run instead (tests/conftest.py)
    redis_url = settings.FACTCHECK_TEST_REDIS_URL.rsplit("/", 1)[0] + "/12"
    settings.CACHES = {"default": {"BACKEND": "reviews.cache_backends.RedisCache", "LOCATION": redis_url}}
    cache.clear()
    yield caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    cache.clear()


def _allowed(requests: int, *, pk: int = 7) -> list[bool]:
    return [TokenThrottle().allow_request(_caller(pk), cast(Any, None)) for _ in range(requests)]


def test_redis_counter_moves_a_block_at_a_time(monkeypatch: pytest.MonkeyPatch, redis_cache: Any) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "300/minute"})  # batch 3
    assert _allowed(1) == [True]
    (key,) = redis_cache.keys("*throttle_user_7*")
    assert key.endswith(b":16666")
    assert int(redis_cache.get(key)) == 3  # numbers 1-3 taken at once
    assert _allowed(2) == [True, True]
    assert int(redis_cache.get(key)) == 3  # served from this process's block, no round trip
    assert _allowed(1) == [True]
    assert int(redis_cache.get(key)) == 6
    assert 0 < redis_cache.ttl(key) <= 61


def test_processes_sharing_a_counter_never_exceed_the_limit(
    monkeypatch: pytest.MonkeyPatch, redis_cache: Any
) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "300/minute"})  # batch 3
    processes: list[dict[str, Any]] = [{}, {}, {}]
    allowed = 0
    for request in range(400):
        monkeypatch.setattr(throttling, "_claims", processes[request % 3])  # round robin, like workers
        allowed += _allowed(1)[0]
    # Never over the limit; at most processes x (batch - 1) refused early.
    assert 300 - 3 * 2 <= allowed <= 300
    # Another caller has its own counter.
    assert _allowed(3, pk=8) == [True, True, True]


def test_a_new_window_starts_a_new_block(
    monkeypatch: pytest.MonkeyPatch, redis_cache: Any, clock: list[float]
) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "200/minute"})  # batch 2
    assert _allowed(201) == [True] * 200 + [False]
    throttle = TokenThrottle()
    assert not throttle.allow_request(_caller(7), cast(Any, None))
    assert throttle.wait() == 20.0
    clock[0] += 20  # the next minute
    assert _allowed(1) == [True]
    keys = redis_cache.keys("*throttle_user_7*")
    counters = {key.rsplit(b":", 1)[1]: int(redis_cache.get(key)) for key in keys}
    assert counters == {b"16666": 202, b"16667": 2}  # a block of the new window; the old one expires


def test_without_redis_every_request_is_counted(monkeypatch: pytest.MonkeyPatch, clock: list[float]) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "300/minute"})
    cache.clear()
    assert _allowed(301) == [True] * 300 + [False]
    assert throttling._claims == {}  # blocks are only taken from Redis
    cache.clear()
