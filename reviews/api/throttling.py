"""Rate limits for the API: per token for authenticated callers, per client address for anonymous ones.

DRF's stock throttles keep, per caller, the list of every request time inside the window and rewrite
that list in the cache on each request: the cost grows with the rate, which is what partners with high
limits pay. These count with a fixed window instead: one atomic increment per request, whatever the
rate, and `Retry-After` says when the window ends. Rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (scopes `anon` and `user`, set through FACTCHECK_THROTTLE_*); counters live in the
default cache, which must be shared by every worker process (Redis in production: CACHE_URL).

With Redis, a worker process takes request numbers from a window's counter in blocks (`batch`: a
hundredth of the limit, from 1 to 16) and hands them out locally, so only one request in `batch` pays
the Redis round trip (a tenth of the web CPU of a reviewer's next + submit cycle: 5.76 -> 5.17 ms,
bench/queue_cpu.py with CACHE_URL on Redis). Numbers are unique across processes, so a caller never gets
more than the limit; numbers a process took but did not use before the window ended are lost, so a
caller may be refused up to (processes x (batch - 1)) requests early, at most 1% of the limit per
process. Limits under 200 per window count every request in Redis, exactly.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings: no import cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView


# Per process: for a caller's counter, the window, the next request number to hand out and the last one
# taken from Redis. Bounded: cleared when it reaches _CLAIMS_MAX callers (they take new blocks).
_CLAIMS_MAX = 10_000
_claims: dict[str, tuple[int, int, int]] = {}
_claims_lock = threading.Lock()  # gthread workers share the dict
BATCH_MAX = 16


class FixedWindowRateThrottle(SimpleRateThrottle):
    """At most `num_requests` per `duration`-second window (aligned on the clock) per caller."""

    window_end = 0.0
    now = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.limit, self.period = self.parse_rate(self.rate)
        # Request numbers a process takes from Redis at once (see the module docstring).
        self.batch = max(1, min(BATCH_MAX, (self.limit or 0) // 100))

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.limit is None or not self.period:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.period)
        self.window_end = float((window + 1) * self.period)
        return self._number(self.key, window) <= self.limit

    def _number(self, key: str, window: int) -> int:
        """This request's number in the caller's window, from 1 up (unique across processes)."""
        timeout = int(self.period or 0) + 1
        # `self.cache` is usually django.core.cache.cache, a proxy: the backend itself decides the path.
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        counter = f"{key}:{window}"
        if not isinstance(backend, RedisCache):
            try:
                return int(self.cache.incr(counter))
            except ValueError:  # the window's first request (or its counter just expired)
                return 1 if self.cache.add(counter, 1, timeout=timeout) else int(self.cache.incr(counter))
        if self.batch > 1:
            with _claims_lock:
                claim = _claims.get(key)
                if claim is not None and claim[0] == window and claim[1] <= claim[2]:
                    _claims[key] = (window, claim[1] + 1, claim[2])
                    return claim[1]
        # Redis: INCRBY creates the counter, then EXPIRE bounds it; one round trip, where the generic
        # cache API takes three (EXISTS + INCR, then ADD on a new window).
        redis_key = backend.make_and_validate_key(counter)
        pipe = cast(Any, backend)._cache.get_client(redis_key, write=True).pipeline()
        pipe.incrby(redis_key, self.batch)
        pipe.expire(redis_key, timeout)
        last = int(pipe.execute()[0])
        first = last - self.batch + 1
        if self.batch > 1:
            with _claims_lock:
                if len(_claims) >= _CLAIMS_MAX:
                    _claims.clear()
                _claims[key] = (window, first + 1, last)
        return first

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
