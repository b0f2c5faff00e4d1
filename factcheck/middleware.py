"""The project's middleware: a health probe (`HealthCheckMiddleware`, below), Django's browser-session
middleware stepping aside for API calls that carry a token, and a guard that answers bad admin input with
a 400 (`AdminInputMiddleware`, below).

Browser-session middleware:

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

from django.contrib.admin import helpers
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict

from reviews.api.authentication import token_key

API_PREFIX = "/api/v1/"


HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """`GET /healthz`: 200 `{"status": "ok"}` when the app serves and reaches its database, else 503.

    First in the stack, so it answers before the host check and the HTTPS redirect: a probe (Docker's
    health check, a load balancer) calls the container by its address over plain HTTP, which
    DJANGO_ALLOWED_HOSTS and DJANGO_SECURE_SSL_REDIRECT would refuse (400, 301). The answer names no
    host, so an unchecked Host header has nothing to poison.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != HEALTH_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Use GET.", "code": "method_not_allowed"}, status=405)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        return JsonResponse({"status": "ok"})


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


class AdminInputMiddleware:
    """Bad input to the admin gets a 400 with the reason, not a 500.

    Django's admin hands some request values to the database unchecked, for every model it shows (the
    desk's and Django's own user and group pages):

    - a NUL character in a list filter's value (`?status=%00`), a select-across action on such a list, or
      the autocomplete's search term: PostgreSQL text cannot hold NUL, so the query failed;
    - a selected row that is not a primary key of the model (`_selected_action=abc`) for a changelist
      action: `queryset.filter(pk__in=...)` raised `ValueError`.

    Both are refused before the admin view runs; nothing else about admin requests changes. The admin's
    own forms already refuse NUL characters in what they save.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        problem = _admin_input_problem(request, getattr(view_func, "model_admin", None))
        if problem is None:
            return None
        return HttpResponseBadRequest(f"Bad request: {problem}\n", content_type="text/plain; charset=utf-8")


def _has_nul(values: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in items) for key, items in values.lists())


def _admin_input_problem(request: HttpRequest, model_admin: Any) -> str | None:
    posted = request.POST if request.method == "POST" else QueryDict()
    if _has_nul(request.GET) or _has_nul(posted):
        return "request parameters cannot contain NUL characters."
    if model_admin is not None:
        pk = model_admin.model._meta.pk
        for value in posted.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                pk.to_python(value)
            except ValidationError:
                return f"{value!r} is not the id of a {model_admin.model._meta.verbose_name}."
    return None
