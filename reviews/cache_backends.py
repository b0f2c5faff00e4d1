"""The Redis cache backend: Django's, keeping one redis-py client per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call. redis-py 5 and later fill ~170
response callbacks in that constructor: ~0.15 ms of CPU each time on the benchmark machine, as much as
the round trip to Redis itself, paid by every throttled API request and every read of the published
cache. A client is only a pool plus those callbacks and safe to share between threads (the connections
come from the pool per command), so one per pool is kept instead. settings.base swaps it in for
`django.core.cache.backends.redis.RedisCache` (what CACHE_URL=redis://... selects).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        this: Any = self  # Django's private helpers, not in the type stubs
        pool = this._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # pools live as long as this object, so their ids are never reused
            client = self._clients[id(pool)] = this._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
