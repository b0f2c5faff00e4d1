"""Rate limits for the API: per token for authenticated callers, per client address for anonymous ones.

DRF's stock throttles keep, per caller, the list of every request time inside the window and rewrite
that list in the cache on each request: the cost grows with the rate, which is what partners with high
limits pay. These count with a fixed window instead: one atomic increment per request, whatever the
rate, and `Retry-After` says when the window ends. Rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (scopes `anon` and `user`, set through FACTCHECK_THROTTLE_*); counters live in the
default cache, which must be shared by every worker process (Redis in production: CACHE_URL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings: no import cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView


class FixedWindowRateThrottle(SimpleRateThrottle):
    """At most `num_requests` per `duration`-second window (aligned on the clock) per caller."""

    window_end = 0.0
    now = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.limit, self.period = self.parse_rate(self.rate)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.limit is None or not self.period:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.period)
        self.window_end = float((window + 1) * self.period)
        return self._count(f"{self.key}:{window}") <= self.limit

    def _count(self, key: str) -> int:
        """Add one to the window's counter and return it (atomic: concurrent requests never share a count)."""
        timeout = int(self.period or 0) + 1
        # `self.cache` is usually django.core.cache.cache, a proxy: the backend itself decides the path.
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        if isinstance(backend, RedisCache):
            # Redis: INCR creates the counter at 1, then EXPIRE bounds it; one round trip, where the
            # generic cache API takes three (EXISTS + INCR, then ADD on a new window).
            redis_key = backend.make_and_validate_key(key)
            pipe = cast(Any, backend)._cache.get_client(redis_key, write=True).pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, timeout)
            return int(pipe.execute()[0])
        try:
            return int(self.cache.incr(key))
        except ValueError:  # the window's first request (or its counter just expired)
            return 1 if self.cache.add(key, 1, timeout=timeout) else int(self.cache.incr(key))

    def wait(self) -> float:
        return max(0.0, self.window_end - self.now)


class AnonThrottle(FixedWindowRateThrottle):
    """Anonymous callers, by client address (REST_FRAMEWORK["NUM_PROXIES"] decides which one)."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(FixedWindowRateThrottle):
    """Authenticated callers, by account (one token per account, so per token)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        if not (user and user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
