"""factcheck.forms: the login forms refuse an over-long username before any login is attempted."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("length", [151, 256, 10_000])
def test_an_over_long_username_is_a_form_error(path: str, length: int) -> None:
    # 256 characters and more used to reach django-axes' 255-character column: a database error, a 500.
    response = Client().post(path, {"username": "u" * length, "password": "x"})
    assert response.status_code == 200
    assert f"Ensure this value has at most 150 characters (it has {length})." in response.content.decode()
    assert not AccessAttempt.objects.exists(), "no login was attempted"


@pytest.mark.parametrize("path", PAGES)
def test_a_wrong_password_is_still_counted(path: str) -> None:
    response = Client().post(path, {"username": "u" * 150, "password": "x"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_the_right_password_logs_in(editor: User) -> None:
    client = Client()
    response = client.post("/admin/login/", {"username": editor.username, "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
