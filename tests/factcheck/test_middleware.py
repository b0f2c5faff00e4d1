"""factcheck/middleware.py: the session, auth and messages middleware step aside for token API calls only."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from factcheck.middleware import (
    BrowserAuthenticationMiddleware,
    BrowserMessageMiddleware,
    BrowserSessionMiddleware,
    is_token_api_call,
)

factory = RequestFactory()


@pytest.mark.parametrize(
    ("path", "header", "expected"),
    [
        ("/api/v1/queue/next", "Token abc", True),
        ("/api/v1/queue/next", "token abc", True),  # DRF compares the keyword case-insensitively
        ("/api/v1/queue/next", "  Token abc", True),
        ("/api/v1/queue/next", "Token", True),  # DRF answers 401 (no key): still none of these applies
        ("/api/v1/queue/next", None, False),
        ("/api/v1/queue/next", "", False),
        ("/api/v1/queue/next", "Bearer abc", False),
        ("/api/v1/queue/next", "Tokens abc", False),
        ("/api/schema/", "Token abc", False),  # outside the REST API's routes
        ("/queue/", "Token abc", False),  # the reviewers' pages
        ("/admin/", "Token abc", False),
    ],
)
def test_is_token_api_call(path: str, header: str | None, expected: bool) -> None:
    headers = {} if header is None else {"authorization": header}
    assert is_token_api_call(factory.post(path, headers=headers)) is expected


def _seen_by_view(middleware_class: type, request: HttpRequest) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen.update(vars(req))
        return HttpResponse("ok")

    middleware_class(view)(request)
    return seen


@pytest.mark.parametrize(
    ("middleware_class", "attribute"),
    [
        (BrowserSessionMiddleware, "session"),
        (BrowserAuthenticationMiddleware, "user"),
        (BrowserMessageMiddleware, "_messages"),
    ],
)
def test_token_api_calls_pass_straight_on_and_others_do_not(middleware_class: type, attribute: str) -> None:
    def request(path: str, authorization: str | None = None) -> HttpRequest:
        req = factory.get(path, headers={} if authorization is None else {"authorization": authorization})
        if middleware_class is not BrowserSessionMiddleware:
            # The messages middleware needs the session a browser request has by then.
            SessionMiddleware(lambda r: HttpResponse()).process_request(req)
        return req

    token_call = request("/api/v1/tasks/mine", "Token abc")
    assert attribute not in _seen_by_view(middleware_class, token_call)
    for other in (
        request("/api/v1/tasks/mine"),
        request("/api/v1/tasks/mine", "Basic abc"),
        request("/queue/", "Token abc"),
    ):
        assert attribute in _seen_by_view(middleware_class, other)


def test_the_settings_use_them_in_place_of_djangos() -> None:
    assert "factcheck.middleware.BrowserSessionMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in settings.MIDDLEWARE
    # CSRF and django-axes stay stock (check --deploy and axes' check look for them by name).
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.django_db
def test_a_token_call_works_and_sets_no_cookie(reviewer: Any) -> None:
    token = Token.objects.create(user=reviewer)
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/v1/tasks/mine", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    response = client.post("/api/v1/queue/next", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 204  # nothing queued; no CSRF token needed with a token


@pytest.mark.django_db
def test_a_bad_token_is_still_refused(reviewer: Any) -> None:
    response = Client().post("/api/v1/queue/next", HTTP_AUTHORIZATION="Token not-a-key")
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_session_call_still_goes_through_session_auth_and_csrf(reviewer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get("/api/v1/tasks/mine").status_code == 200  # the session authenticates it
    response = client.post("/api/v1/queue/next")
    assert response.status_code == 403  # DRF's session scheme enforces CSRF
    assert "CSRF" in response.json()["detail"]


# --------------------------------------------------------------------------------------------------
# AdminInputMiddleware
# --------------------------------------------------------------------------------------------------

NUL = "Bad request: request parameters cannot contain NUL characters.\n"


@pytest.fixture
def staff(editor: Any) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reviews/verdict/?status=%00",
        "/admin/reviews/article/?publisher=%00",
        "/admin/reviews/claim/?claim_type=a%00b",
        "/admin/reviews/reviewevent/?action=%00",
        "/admin/reviews/reviewtask/?%00=1",
        "/admin/autocomplete/?app_label=reviews&model_name=verdict&field_name=claim&term=%00",
    ],
)
def test_admin_get_with_a_nul_character_is_a_400(staff: Client, path: str) -> None:
    response = staff.get(path)
    assert (response.status_code, response.content.decode()) == (400, NUL)


def test_admin_post_with_a_nul_character_is_a_400(staff: Client) -> None:
    response = staff.post(
        "/admin/reviews/verdict/",
        {"action": "publish_selected", "select_across": "1", "_selected_action": "1", "note": "a\x00"},
    )
    assert (response.status_code, response.content.decode()) == (400, NUL)


@pytest.mark.parametrize(("model", "name"), [("verdict", "verdict"), ("reviewtask", "review task")])
@pytest.mark.parametrize("value", ["abc", "²", "1.5"])
def test_an_action_on_rows_that_are_not_ids_is_a_400(
    staff: Client, model: str, name: str, value: str
) -> None:
    response = staff.post(
        f"/admin/reviews/{model}/", {"action": "delete_selected", "_selected_action": [value]}
    )
    assert response.status_code == 400
    assert response.content.decode() == f"Bad request: {value!r} is not the id of a {name}.\n"


def test_djangos_own_admin_pages_are_guarded_too(db: None) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only"))
    assert client.get("/admin/auth/user/?is_staff__exact=%00").status_code == 400
    response = client.post("/admin/auth/user/", {"action": "delete_selected", "_selected_action": ["x"]})
    assert response.status_code == 400


def test_good_admin_requests_pass(staff: Client) -> None:
    assert staff.get("/admin/reviews/verdict/?status=published").status_code == 200
    assert staff.get("/admin/reviews/verdict/?q=budget").status_code == 200
    # A well-formed action on no existing row: the admin's own answer (back to the list).
    response = staff.post(
        "/admin/reviews/verdict/", {"action": "delete_selected", "_selected_action": ["987654"]}
    )
    assert response.status_code == 302


def test_the_guard_leaves_other_pages_alone(reviewer: Any) -> None:
    client = Client()
    client.force_login(reviewer)
    # Not the admin: the reviewers' pages and the API answer NUL characters themselves.
    assert client.get("/queue/?x=%00").status_code == 200


# --- the health probe ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_probe_answers_any_host_over_plain_http(settings: Any) -> None:
    # As the production .env sets them: a probe of the container's own address would get a 400 (host)
    # or a 301 (HTTPS) from any other page.
    settings.ALLOWED_HOSTS = ["factcheck.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.head("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/api/v1/", HTTP_HOST="127.0.0.1:8000").status_code == 400


@pytest.mark.django_db
def test_health_probe_refuses_other_methods() -> None:
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_health_probe_says_when_the_database_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError, connection

    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
