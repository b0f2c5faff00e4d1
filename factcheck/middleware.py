"""Django's browser-session middleware, stepping aside for API calls that carry a token.

A call to the REST API with `Authorization: Token <key>` is authenticated by DRF's token scheme alone
(reviews.api.authentication): DRF tries the token first and, with a token header present, either accepts it
or answers 401, so the session is never read. For such a call the session, authentication and messages
middleware have nothing to do, yet each still builds its per-request state (a lazy session, a lazy user,
a messages store with its cookie signer): about 2.5% of the instructions of the reviewers' queue cycle
(bench/queue_cpu.py --callgrind), the API's hot path. These subclasses pass such calls straight on;
every other request (browsers, the admin, API calls with a session cookie or no credentials) goes
through them unchanged. The responses are the same:
none of them adds a header or cookie to a response whose request did not use the session.

The token check reads the header only: whether the token is valid is still DRF's to decide (401).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest

from reviews.api.authentication import token_key

API_PREFIX = "/api/v1/"


def is_token_api_call(request: HttpRequest) -> bool:
    """A call to the REST API (`/api/v1/...`) with an `Authorization: Token ...` header."""
    if not request.path_info.startswith(API_PREFIX):
        return False
    header = request.META.get("HTTP_AUTHORIZATION")
    return header is not None and token_key(header) is not None


class _BrowserOnly:
    """Mixin for a middleware: token API calls skip it (see the module docstring)."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_token_api_call(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class BrowserSessionMiddleware(_BrowserOnly, SessionMiddleware):
    pass


class BrowserAuthenticationMiddleware(_BrowserOnly, AuthenticationMiddleware):
    """For a token call DRF sets `request.user` itself once the token is checked."""


class BrowserMessageMiddleware(_BrowserOnly, MessageMiddleware):
    pass
