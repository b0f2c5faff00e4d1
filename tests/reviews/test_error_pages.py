"""The error pages (templates/400.html, 403.html, 403_csrf.html, 404.html, 410.html, 500.html): styled
like the rest of the site, and each says what to do next."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.views import defaults
from django.views.csrf import csrf_failure

pytestmark = pytest.mark.django_db

STYLESHEET = 'href="/static/reviews/site.css"'


def test_404_is_styled_and_points_home() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert STYLESHEET in html
    assert "<h1>There is nothing here</h1>" in html
    assert '<a href="/">Go to the start page</a>' in html


def test_403_tells_a_signed_in_user_where_to_go(reviewer) -> None:
    request = RequestFactory().get("/admin-only/")
    request.user = reviewer
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert STYLESHEET in html
    assert "you are signed in as <strong>rev</strong>" in html
    assert '<a href="/">Go to your own start page</a>' in html


def test_403_asks_an_anonymous_visitor_to_sign_in() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    html = defaults.permission_denied(request, PermissionDenied()).content.decode()
    assert '<a href="/accounts/login/">Sign in</a> and try again.' in html


def test_csrf_failure_says_nothing_was_saved() -> None:
    response = csrf_failure(RequestFactory().post("/tasks/1/"), reason="CSRF token missing.")
    assert response.status_code == 403
    html = response.content.decode()
    assert STYLESHEET in html
    assert "This form could not be sent" in html
    assert "Nothing was saved." in html


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [
        (defaults.bad_request, 400, "The request could not be understood"),
        (defaults.server_error, 500, "Something went wrong on our side"),
    ],
)
def test_400_and_500_are_styled_without_a_request_context(view, status, heading) -> None:
    request = RequestFactory().get("/")
    response = view(request) if view is defaults.server_error else view(request, ValueError())
    assert response.status_code == status
    html = response.content.decode()
    assert STYLESHEET in html
    assert f"<h1>{heading}</h1>" in html
    assert '<a href="/verdicts/">Read the published fact-checks</a>' in html


def test_410_is_styled_and_says_what_to_do() -> None:
    html = render_to_string("410.html", request=RequestFactory().get("/gone/"))
    assert STYLESHEET in html
    assert '<p class="muted">Error 410</p>' in html
    assert "<h1>This page was withdrawn</h1>" in html
    assert "<li>If you linked to this page, remove the link or say that it was withdrawn.</li>" in html
    assert '<meta name="robots" content="noindex">' in html
