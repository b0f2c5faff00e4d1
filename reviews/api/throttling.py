"""Rate limits for the API: DRF's throttles on Django's cache, failing open when the cache is down.

Per client address for anonymous callers (`anon`) and per account for authenticated ones (`user`), with
the rates of REST_FRAMEWORK's DEFAULT_THROTTLE_RATES (FACTCHECK_THROTTLE_*). The counters live in the
default cache, which every worker process must share (Redis in production: CACHE_URL). While the cache
cannot be reached, requests are let through rather than refused or failed (reviews.cache_outage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from reviews.cache_outage import CACHE_ERRORS, cache_outage

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings: no import cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView


class FailOpenMixin:
    """For a SimpleRateThrottle: a cache that cannot be reached lets the request through (logged once)."""

    key: str | None

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.key = None
        try:
            allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        except CACHE_ERRORS as error:
            cache_outage.failed(error)
            return True
        if self.key is not None:  # the cache was asked, and answered
            cache_outage.answered()
        return allowed


class AnonThrottle(FailOpenMixin, AnonRateThrottle):
    """Anonymous callers, by client address (REST_FRAMEWORK["NUM_PROXIES"] decides which one)."""


class UserThrottle(FailOpenMixin, UserRateThrottle):
    """Authenticated callers, by account; anonymous ones are AnonThrottle's alone."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        if not (user and user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
