"""The project's middleware: a health probe (`HealthCheckMiddleware`) and a guard that answers bad admin
input with a 400 (`AdminInputMiddleware`). Sessions, authentication and messages are Django's own."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict

from factcheck.readiness import readiness

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


class HealthCheckMiddleware:
    """`GET /healthz`: 200 `{"status": "ok"}` when the app serves and reaches its database, else 503 (the
    liveness probe). `GET /readyz`: the readiness probe, 200 `{"status": "ready", "checks": {"database",
    "cache", "broker"}}` or 503 `"unavailable"` naming what is unreachable (factcheck/readiness.py).

    Before everything but the request id (RequestIdMiddleware), so it answers before the host check and
    the HTTPS redirect: a probe (Docker's health check, a load balancer) calls the container by its
    address over plain HTTP, which DJANGO_ALLOWED_HOSTS and DJANGO_SECURE_SSL_REDIRECT would refuse (400,
    301). The answer names no host, so an unchecked Host header has nothing to poison.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in (HEALTH_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Use GET.", "code": "method_not_allowed"}, status=405)
        if request.path_info == READY_PATH:
            ready, checks = readiness()
            body = {"status": "ready" if ready else "unavailable", "checks": checks}
            response = JsonResponse(body, status=200 if ready else 503)
            response["Cache-Control"] = "no-store"
            if not ready:
                response["Retry-After"] = "10"
            return response
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        return JsonResponse({"status": "ok"})


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
