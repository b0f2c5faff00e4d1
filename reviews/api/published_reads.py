"""Anonymous reads of published verdicts answered from reviews.published_cache, before Django's session,
CSRF, authentication, messages and axes middleware and before DRF: the consumers' hot path.

Which requests: GET or HEAD without a session cookie (a browser session goes the full way), asking for
JSON (no `Accept`, `*/*` or `application/json`), either with no credentials at all or with an API
consumer's token (`Authorization: Token <key>` of an active account that may not see unpublished work:
such a caller sees exactly what an anonymous one sees; what a token is, is looked up with the views' own
one-query authentication and remembered per process for TOKEN_SECONDS, see below), of

- one verdict, `/api/v1/verdicts/{id}/`, and its ClaimReview, `/api/v1/verdicts/{id}/claimreview`
  (no query string): answered from the verdict's fragment, rendered on the first request for it, after
  publication (a task) or by `manage.py published_cache_build`;
- the feeds, `/api/v1/verdicts/` and `/api/v1/claimreview/`, with no parameters but `cursor`,
  `page_size` and `ordering`: the API view's answer to the same URL, stored while no published content
  changed (the generation). Filtered lists go to the view every time.

Anything else (an editor's token, a bad or unknown token, another scheme), a verdict that is not
published (the API's 404 comes from the view), a response that is not a 200, or a caller over their rate
limit (the view answers 429), goes on to the API views unchanged. What comes out of here is what the
views answer: same body, same headers, same ETag, 304 for a matching `If-None-Match`. The rate limit is
counted here, on the same counter the views use (per client address anonymously, per token otherwise).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from rest_framework.exceptions import AuthenticationFailed

from reviews import published_cache
from reviews.api.authentication import TokenAuthentication
from reviews.api.throttling import AnonThrottle, UserThrottle
from reviews.selectors_public import sees_unpublished

# The routes of reviews/api/urls.py these serve (a test checks they still match what the router makes).
_VERDICT = re.compile(r"/api/v1/verdicts/(?P<pk>[1-9][0-9]{0,17})/?")
_CLAIMREVIEW = re.compile(r"/api/v1/verdicts/(?P<pk>[1-9][0-9]{0,17})/claimreview/?")
_FEEDS = frozenset({"/api/v1/verdicts/", "/api/v1/verdicts", "/api/v1/claimreview/", "/api/v1/claimreview"})
_JSON_ACCEPT = frozenset({"", "*/*", "application/json"})
# Feed answers are stored only for the parameters crawlers page with: anything else (filters, junk
# parameters the view ignores) would let callers fill the cache with one entry per spelling.
_FEED_PARAMETERS = frozenset({"cursor", "page_size", "ordering"})
# What the views answer with besides the body (DRF's Vary and Allow; PublicReadViewSet's Vary and
# Cache-Control; the session middleware's Vary, since the views look at the session).
_VARY = "Accept, Authorization, Cookie"
_ALLOW_VERDICT = "GET, PATCH, HEAD, OPTIONS"
_ALLOW_CLAIMREVIEW = "GET, HEAD, OPTIONS"
# A stored feed response is replayed with its own headers, except these (recomputed, or per request).
_NOT_STORED = frozenset({"content-length", "set-cookie"})


@dataclass(frozen=True, slots=True)
class _Consumer:
    """An API consumer as the throttle sees them: authenticated, identified by their account's pk."""

    pk: int
    is_authenticated: bool = True


@dataclass
class _Caller:
    """What the throttles look at: the request's META and headers (client address) and its user."""

    META: dict[str, Any]
    headers: Any
    user: AnonymousUser | User | _Consumer = field(default_factory=AnonymousUser)


# What a token was found to be, per process, for TOKEN_SECONDS: the account's pk for an API consumer,
# None for anything the views must answer (an editor, an unknown or inactive account's token). Safe to
# keep for a while because on this path a token only picks the rate-limit counter: everything served here
# is what anonymous callers get anyway. A token revoked or an account deactivated within the window still
# reads published content on its own counter until the entry expires (as it could anonymously); an
# account promoted to editor gets the public answer until then (less than it may see, never more).
TOKEN_SECONDS = 60.0
_TOKEN_ENTRIES_MAX = 10_000
_tokens: dict[str, tuple[float, int | None]] = {}


def _consumer_pk(key: str) -> int | None:
    now = time.monotonic()
    entry = _tokens.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    try:
        user, _token = TokenAuthentication().authenticate_credentials(key)
    except AuthenticationFailed:
        pk = None
    else:
        pk = None if sees_unpublished(user) else int(user.pk)
    if len(_tokens) >= _TOKEN_ENTRIES_MAX:
        _tokens.clear()
    _tokens[key] = (now + TOKEN_SECONDS, pk)
    return pk


_KEYWORD = TokenAuthentication.keyword.lower()


def token_key(header: str) -> str | None:
    """The key an `Authorization` header value offers under DRF's token scheme (`Token <key>`, the keyword
    compared case-insensitively, as DRF compares it): "" when the keyword comes without a key, None for any
    other scheme. Whether the key is valid is for `TokenAuthentication` to say."""
    scheme, _, key = header.strip().partition(" ")
    return key.strip() if scheme.lower() == _KEYWORD else None


class PublishedReadMiddleware:
    """Place right after SecurityMiddleware (and WhiteNoise): its headers are added to these answers too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.frame_options: str | None = (
            getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
            if "django.middleware.clickjacking.XFrameOptionsMiddleware" in settings.MIDDLEWARE
            else None
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._eligible(request):
            return self.get_response(request)
        path = request.path_info
        response: HttpResponseBase | None = None
        if path in _FEEDS:
            if set(request.GET) <= _FEED_PARAMETERS and (caller := self._caller(request)) is not None:
                return self._feed(request, caller)
            return self.get_response(request)
        if not request.META.get("QUERY_STRING"):
            if match := _VERDICT.fullmatch(path):
                response = self._document(request, int(match["pk"]), claimreview=False)
            elif match := _CLAIMREVIEW.fullmatch(path):
                response = self._document(request, int(match["pk"]), claimreview=True)
        return self.get_response(request) if response is None else response

    @staticmethod
    def _eligible(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and request.path_info.startswith("/api/v1/")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPT
            and published_cache.enabled()
        )

    @staticmethod
    def _caller(request: HttpRequest) -> _Caller | None:
        """Anonymous, or an API consumer by token; None when the views must answer (an editor, who sees
        unpublished work; a bad token, answered 401 there; another authentication scheme)."""
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return _Caller(request.META, request.headers)
        key = token_key(header)
        if not key or " " in key:
            return None
        pk = _consumer_pk(key)
        return None if pk is None else _Caller(request.META, request.headers, _Consumer(pk))

    @staticmethod
    def _within_rate(caller: _Caller) -> bool:
        # The views' own throttle classes and counters, so a caller's requests count once whichever path
        # answers them: counted here only when answered here (a miss is counted by the view). Over the
        # limit, the view counts the request again and answers 429 as it always does.
        throttle = UserThrottle() if caller.user.is_authenticated else AnonThrottle()
        return throttle.allow_request(cast(Any, caller), cast(Any, None))

    def _document(self, request: HttpRequest, pk: int, *, claimreview: bool) -> HttpResponseBase | None:
        from reviews.api.published_render import fragments_build, slots_for

        try:
            slots = slots_for(request, pk)
        except DisallowedHost:
            return None  # the full path answers 400, as for any request
        caller = self._caller(request)
        if caller is None:
            return None  # an editor (the view shows them more), or a token the view refuses
        fragment = published_cache.fragments_get([pk]).get(pk) or fragments_build([pk]).get(pk)
        if fragment is None or not self._within_rate(caller):
            return None  # not published (or no such verdict): the view's 404; over the limit: its 429
        parts = fragment.claimreview if claimreview else fragment.detail
        response = HttpResponse(published_cache.assemble(parts, slots), content_type="application/json")
        response["Vary"] = _VARY
        response["Allow"] = _ALLOW_CLAIMREVIEW if claimreview else _ALLOW_VERDICT
        patch_cache_control(response, no_cache=True)
        set_response_etag(response)
        return self._finish(request, response)

    def _feed(self, request: HttpRequest, caller: _Caller) -> HttpResponseBase:
        try:
            signature = "|".join(
                (
                    request.scheme or "",
                    request.get_host(),
                    request.get_full_path(),
                    request.META.get("HTTP_ACCEPT", "").strip(),
                )
            )
        except DisallowedHost:
            return self.get_response(request)
        stored, current = published_cache.response_get(signature)
        if stored is not None and self._within_rate(caller):
            response = HttpResponse(stored.content)
            for name, value in stored.headers:
                response[name] = value
            return self._finish(request, response)
        answer = self.get_response(request)
        if (
            request.method == "GET"
            and answer.status_code == 200
            and isinstance(answer, HttpResponse)
            and answer.get("Content-Type", "").startswith("application/json")
            and not answer.cookies
            and answer.has_header("ETag")
        ):
            headers = tuple((k, v) for k, v in answer.items() if k.lower() not in _NOT_STORED)
            # Tagged with the generation read before the view read the database: if published content
            # changed meanwhile, the generation has moved past it and it is never served.
            published_cache.response_store(
                signature,
                published_cache.StoredResponse(generation=current, content=answer.content, headers=headers),
            )
        return answer

    def _finish(self, request: HttpRequest, response: HttpResponse) -> HttpResponseBase:
        if self.frame_options is not None and not response.has_header("X-Frame-Options"):
            response["X-Frame-Options"] = self.frame_options
        response["Content-Length"] = str(len(response.content))  # as CommonMiddleware sets it
        conditional = get_conditional_response(request, etag=response["ETag"], response=response)
        return response if conditional is None else conditional
