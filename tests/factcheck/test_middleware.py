"""Django's own session, auth and messages middleware; token calls need none of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token


def test_the_settings_use_djangos_session_auth_and_messages_middleware() -> None:
    for name in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ):
        assert name in settings.MIDDLEWARE
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
