"""reviews/api/throttling.py: DRF's throttles per account and per client address, failing open."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from reviews.cache_outage import cache_outage
from tests.factories import UserFactory
from tests.reviews.api.public_data import consumer_user, token_client
from tests.reviews.private_redis import private_redis

pytestmark = pytest.mark.django_db

UNREACHABLE = "The cache is unreachable"


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    cache.clear()


def test_accounts_and_addresses_have_their_own_limits(low_rates: None) -> None:
    url = "/api/v1/ratings/"
    consumer, other = token_client(consumer_user()), token_client(UserFactory.create(username="other"))
    assert [consumer.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [other.get(url).status_code for _ in range(3)] == [200, 200, 200]  # another account
    anonymous = token_client(None)
    assert [anonymous.get(url).status_code for _ in range(3)] == [200, 200, 429]  # not the accounts'
    refused = anonymous.get(url, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 200  # another address
    throttled = anonymous.get(url)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) <= 60


def outage_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "reviews.cache_outage"]


@pytest.fixture
def outage_state() -> Any:
    cache_outage.down = False
    yield cache_outage
    cache_outage.down = False


def test_with_the_cache_down_requests_go_through_and_it_is_logged_once(
    settings: Any, low_rates: None, outage_state: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviews.cache_outage")
    with private_redis() as redis:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}
        }
        client = token_client(consumer_user())
        assert [client.get("/api/v1/ratings/").status_code for _ in range(4)] == [200, 200, 200, 429]
        redis.stop()
        assert [client.get("/api/v1/ratings/").status_code for _ in range(10)] == [200] * 10
        assert [token_client(None).get("/api/v1/ratings/").status_code for _ in range(5)] == [200] * 5
        assert [message[: len(UNREACHABLE)] for message in outage_messages(caplog)] == [UNREACHABLE]
        redis.start()  # empty: the counters start again
        assert [client.get("/api/v1/ratings/").status_code for _ in range(4)] == [200, 200, 200, 429]
    messages = outage_messages(caplog)
    assert len(messages) == 2
    assert messages[1] == "The cache answers again: rate limits and the published cache are back in use."
