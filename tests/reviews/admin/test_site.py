"""Who gets into the desk, and password guessing on its login (django-axes)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.reviews.admin.desk import client_for, page_text

pytestmark = pytest.mark.django_db


DESK_LISTS = [
    "admin:reviews_article_changelist",
    "admin:reviews_claim_changelist",
    "admin:reviews_reviewtask_changelist",
    "admin:reviews_verdict_changelist",
    "admin:reviews_ratinglabel_changelist",
    "admin:reviews_reviewevent_changelist",
    "admin:reviews_scorecard_changelist",
]


def test_editors_get_the_desk(desk: Client) -> None:
    index = desk.get(reverse("admin:index"))
    assert index.status_code == 200
    text = page_text(index)
    for name in (
        "Articles",
        "Claims",
        "Review tasks",
        "Verdicts",
        "Rating labels",
        "Review events",
        "Scorecards",
    ):
        assert name in text
    for url_name in DESK_LISTS:
        assert desk.get(reverse(url_name)).status_code == 200, url_name


def test_reviewers_are_not_staff_and_are_sent_to_log_in(reviewer: User) -> None:
    client = client_for(reviewer)
    response = client.get(reverse("admin:reviews_verdict_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # Signed in already, they are not asked to sign in again: the site's 403 page says why and where to go.
    refused = client.get(response["Location"])
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "<h1>You may not open this page</h1>" in html
    assert "you are signed in as <strong>rev</strong>" in html
    assert '<li><a href="/">Go to your own start page</a></li>' in html
    assert 'name="password"' not in html


def test_the_desks_login_form_still_signs_in_as_somebody_else(reviewer: User, editor: User) -> None:
    client = client_for(reviewer)
    response = client.post(
        reverse("admin:login"), {"username": "ed", "password": "pw-for-tests-only", "next": "/admin/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_staff_without_the_editors_group_sees_nothing(db: None) -> None:
    client = client_for(UserFactory.create(username="staffer", is_staff=True))
    for url_name in DESK_LISTS:
        assert client.get(reverse(url_name)).status_code == 403, url_name


def test_every_model_is_named_in_plural_as_people_write_it(superuser: User) -> None:
    # Django adds an "s": "claim matchs", "webhook deliverys". A name ending like those needs its own.
    from django.apps import apps

    for model in apps.get_app_config("reviews").get_models():
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        if re.search(r"(ch|sh|s|x|z|[^aeiou]y)$", singular):
            assert plural != f"{singular}s", model.__name__
    text = page_text(client_for(superuser).get(reverse("admin:index")))
    assert "Claim matches" in text
    assert "Webhook deliveries" in text


def test_superusers_see_everything(superuser: User) -> None:
    client = client_for(superuser)
    for url_name in [*DESK_LISTS, "admin:auth_user_changelist"]:
        assert client.get(reverse(url_name)).status_code == 200, url_name


LOCKED = "Account locked: too many failed login attempts. Try again in 15 min 00 s."


def _login(client: Client, password: str, path: str = "/admin/login/", username: str = "ed") -> Any:
    return client.post(path, {"username": username, "password": password, "next": "/admin/"})


def test_the_nth_wrong_password_locks_the_login_out(editor: User) -> None:
    from django.conf import settings

    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in page_text(response)
    locked = _login(client, "guess")
    assert locked.status_code == 429
    assert LOCKED in page_text(locked)
    assert "After 5 wrong passwords in a row, logging in as ed from this address is paused" in page_text(
        locked
    )
    # While locked, even the right password is refused, on the reviewers' login page too.
    assert _login(client, "pw-for-tests-only").status_code == 429
    reviewers_page = _login(client, "pw-for-tests-only", path="/accounts/login/")
    assert (reviewers_page.status_code, LOCKED in page_text(reviewers_page)) == (429, True)
    # The lock is on this username from this address: others are not locked out.
    assert _login(Client(REMOTE_ADDR="10.1.2.3"), "pw-for-tests-only").status_code == 302


def test_the_lock_ends_after_the_cool_off(editor: User) -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess")
    assert _login(client, "pw-for-tests-only").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert _login(client, "pw-for-tests-only").status_code == 302


def test_a_successful_login_resets_the_count(editor: User) -> None:
    from django.conf import settings

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "guess")
    assert _login(client, "pw-for-tests-only").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "guess").status_code == 200
