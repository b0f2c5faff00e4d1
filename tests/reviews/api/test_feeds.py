"""Feeds in the API: editors register (a feed that is not XML, a bad or private URL: 400 with the reason,
nothing stored), read failures and poll now; everybody else is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import Feed, FeedItem, FeedItemStatus, ReviewEvent
from tests.reviews.api.public_data import consumer_user
from tests.reviews.feed_fixtures import RSS_TYPE, rss, serve_pages
from tests.reviews.page_server import PageServer, running_page_server

pytestmark = pytest.mark.django_db

FEEDS = "/api/v1/feeds/"


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_FETCH_TIMEOUT_SECONDS = 0.5
    yield from running_page_server()


def client_of(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_an_editor_registers_reads_and_polls_a_feed(
    pages: PageServer, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    serve_pages(pages, ["budget"])
    url = pages.serve("/feed.xml", rss(pages, ["budget"]), content_type=RSS_TYPE)
    client = client_of(editor)
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the first poll runs here
        created = client.post(FEEDS, {"url": url}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["url"], body["title"], body["is_active"]) == (url, "City news", True)
    assert FeedItem.objects.get().status == FeedItemStatus.INGESTED
    detail = client.get(f"{FEEDS}{body['id']}/").json()
    assert (detail["items_seen"], detail["last_error"], detail["consecutive_failures"]) == (1, "", 0)
    assert [f["id"] for f in client.get(FEEDS).json()["results"]] == [body["id"]]
    polled = client.post(f"{FEEDS}{body['id']}/poll/")
    assert polled.status_code == 202


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"url": "not a url"}, "Invalid input. url: Enter a valid URL."),
        ({}, "Invalid input. url: This field is required."),
        (
            {"url": "http://169.254.169.254/feed"},
            "The URL points to a private, loopback or link-local address (169.254.169.254), which is refused "
            "(FACTCHECK_ALLOW_PRIVATE_URLS is off).",
        ),
    ],
)
def test_a_bad_url_is_a_400_with_the_reason(
    editor: User, settings: Any, payload: dict[str, str], detail: str
) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    response = client_of(editor).post(FEEDS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not Feed.objects.exists()


def test_a_feed_that_is_not_xml_is_a_400_and_nothing_is_stored(pages: PageServer, editor: User) -> None:
    url = pages.serve("/feed.xml", "this is not xml at all", content_type="application/xml")
    response = client_of(editor).post(FEEDS, {"url": url}, format="json")
    reason = f"{url} is not an RSS or Atom feed (the XML parser said: syntax error)."
    assert response.status_code == 400
    assert response.json() == {"detail": reason, "code": "invalid", "errors": {"url": [reason]}}
    assert not Feed.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_polling_an_inactive_or_unknown_feed_is_refused(editor: User) -> None:
    feed = Feed.objects.create(url="https://news.example.org/feed.xml", title="Old", is_active=False)
    client = client_of(editor)
    inactive = client.post(f"{FEEDS}{feed.pk}/poll/")
    assert (inactive.status_code, inactive.json()["detail"]) == (
        400,
        "The feed Old is not active; mark it active to poll it.",
    )
    for missing in (f"{FEEDS}{feed.pk + 99}/poll/", f"{FEEDS}abc/"):
        response = client.post(missing) if missing.endswith("poll/") else client.get(missing)
        assert (response.status_code, response.json()["detail"]) == (404, "No feed with this id.")


def test_only_editors_reach_feeds(reviewer: User) -> None:
    Feed.objects.create(url="https://news.example.org/feed.xml")
    assert APIClient().get(FEEDS).status_code == 401
    for user in (reviewer, consumer_user()):
        response = client_of(user).get(FEEDS)
        assert (response.status_code, response.json()["detail"]) == (403, "Only editors can manage feeds.")
        assert (
            client_of(user).post(FEEDS, {"url": "https://example.org/feed"}, format="json").status_code == 403
        )


def test_an_editor_registers_a_feed_with_a_threshold_and_changes_it(pages: PageServer, editor: User) -> None:
    url = pages.serve("/feed.xml", rss(pages, []), content_type=RSS_TYPE)
    client = client_of(editor)
    created = client.post(FEEDS, {"url": url, "claim_threshold": 0.6, "is_active": False}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["claim_threshold"] == 0.6
    detail = f"{FEEDS}{created.json()['id']}/"
    changed = client.patch(detail, {"claim_threshold": 0.35}, format="json")
    assert (changed.status_code, changed.json()["claim_threshold"]) == (200, 0.35)
    cleared = client.patch(detail, {"claim_threshold": None}, format="json")
    assert (cleared.status_code, cleared.json()["claim_threshold"]) == (200, None)
    assert Feed.objects.get().claim_threshold is None
    unchanged = client.patch(detail, {}, format="json")
    assert (unchanged.status_code, unchanged.json()["claim_threshold"]) == (200, None)
    assert client.put(detail, {"claim_threshold": 0.5}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"claim_threshold": 1.2}, "Ensure this value is less than or equal to 1.0."),
        ({"claim_threshold": -0.5}, "Ensure this value is greater than or equal to 0.0."),
        ({"claim_threshold": "high"}, "A valid number is required."),
    ],
)
def test_a_bad_feed_threshold_is_a_400_and_nothing_changes(
    editor: User, payload: dict[str, object], reason: str
) -> None:
    feed = Feed.objects.create(url="https://news.example.org/feed.xml", claim_threshold=0.5)
    response = client_of(editor).patch(f"{FEEDS}{feed.pk}/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"claim_threshold": [reason]}
    feed.refresh_from_db()
    assert feed.claim_threshold == 0.5
    assert not ReviewEvent.objects.exists()
    if payload:  # refused at registration too, before the feed is fetched
        registered = client_of(editor).post(
            FEEDS, {"url": "https://example.org/f.xml", **payload}, format="json"
        )
        assert (registered.status_code, registered.json()["errors"]) == (400, {"claim_threshold": [reason]})
    assert Feed.objects.count() == 1


def test_only_editors_set_a_feeds_threshold(reviewer: User) -> None:
    feed = Feed.objects.create(url="https://news.example.org/feed.xml")
    assert APIClient().patch(f"{FEEDS}{feed.pk}/", {"claim_threshold": 0.5}, format="json").status_code == 401
    for user in (reviewer, consumer_user()):
        response = client_of(user).patch(f"{FEEDS}{feed.pk}/", {"claim_threshold": 0.5}, format="json")
        assert response.status_code == 403
    feed.refresh_from_db()
    assert feed.claim_threshold is None
