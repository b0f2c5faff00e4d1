"""The shared cache (Redis in production, CACHE_URL) failing open: what to catch, and logging an outage once.

Anything on a request's path that calls the cache (the API's rate limits, the published cache's lookups)
treats the cache's connection errors as "no answer": the rate limit lets the request through, a lookup
misses and the view reads the database. Each process logs the outage once when the first call fails and
once when a call succeeds again, not once per request.
"""

from __future__ import annotations

import logging
import threading

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

#: What Django's cache backends raise when their server cannot be reached (Redis' errors, and the
#: socket errors of a server that went away mid-call).
CACHE_ERRORS: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class Outage:
    """Whether this process last found the cache down; logs each change of that state once."""

    def __init__(self) -> None:
        self.down = False
        self._lock = threading.Lock()

    def failed(self, error: Exception) -> None:
        if self.down:
            return
        with self._lock:
            if self.down:
                return
            self.down = True
        log.error(
            "The cache is unreachable (%s): rate limits are not counted and published reads come from "
            "the database until it is back.",
            error,
        )

    def answered(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("The cache answers again: rate limits and the published cache are back in use.")


cache_outage = Outage()
