"""Feeds at the desk: an editor registers a feed (one that is no feed is refused with the reason next to
the field), sees its failures and its items' outcomes, and polls it now; reviewers get nothing here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.models import Feed, FeedItem, FeedItemStatus
from tests.reviews.admin.desk import client_for, messages_of, page_text
from tests.reviews.feed_fixtures import MALFORMED_ITEMS, RSS_TYPE, rss, serve_pages
from tests.reviews.page_server import PageServer, running_page_server

pytestmark = pytest.mark.django_db

ADD = reverse("admin:reviews_feed_add")
FEEDS = reverse("admin:reviews_feed_changelist")
ITEMS = reverse("admin:reviews_feeditem_changelist")


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_FETCH_TIMEOUT_SECONDS = 0.5
    yield from running_page_server()


def test_an_editor_registers_a_feed(desk: Client, pages: PageServer, editor: User) -> None:
    url = pages.serve("/feed.xml", rss(pages, []), content_type=RSS_TYPE)
    response = desk.post(ADD, {"url": url, "title": "", "is_active": "on"})
    assert response.status_code == 302, page_text(response)
    feed = Feed.objects.get()
    assert (feed.url, feed.title, feed.created_by) == (url, "City news", editor)


def test_a_feed_that_is_not_xml_is_refused_next_to_the_field(desk: Client, pages: PageServer) -> None:
    url = pages.serve("/feed.xml", "this is not xml at all", content_type="application/xml")
    response = desk.post(ADD, {"url": url, "title": "Broken", "is_active": "on"})
    assert response.context["adminform"].form.errors["url"] == [
        f"{url} is not an RSS or Atom feed (the XML parser said: syntax error)."
    ]
    assert not Feed.objects.exists()


def test_failures_and_items_are_shown_and_poll_now_polls(
    desk: Client, pages: PageServer, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    serve_pages(pages, ["budget"])
    url = pages.serve("/feed.xml", rss(pages, ["budget"], extra=MALFORMED_ITEMS), content_type=RSS_TYPE)
    feed = Feed.objects.create(
        url=url,
        title="City news",
        consecutive_failures=3,
        last_error=f"{url} answered HTTP 503.",
        next_poll_at=timezone.now() + dt.timedelta(hours=1),
    )
    listing = page_text(desk.get(FEEDS))
    assert f"{url} answered HTTP 503." in listing
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the poll runs here
        response = desk.post(FEEDS, {"action": "poll_now", "_selected_action": [feed.pk]}, follow=True)
    assert messages_of(response) == ["1 feed(s) will be polled in a moment."]
    feed.refresh_from_db()
    assert (feed.consecutive_failures, feed.last_error, feed.items_seen) == (0, "", 3)
    assert FeedItem.objects.filter(status=FeedItemStatus.INGESTED).count() == 1
    items = page_text(desk.get(ITEMS, {"feed__id__exact": feed.pk}))
    assert "The item has no http(s) link to fetch the article from." in items
    assert "Budget" in items


def test_feed_pages_cost_a_fixed_number_of_queries(desk: Client, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        feed = Feed.objects.create(url=f"https://news{n}.example.org/feed.xml")
        FeedItem.objects.create(feed=feed, key="a", status=FeedItemStatus.FAILED, error="HTTP 500.")
        FeedItem.objects.create(feed=feed, key="b")
    with django_assert_max_num_queries(12):
        assert desk.get(FEEDS).status_code == 200
    with django_assert_max_num_queries(12):
        assert desk.get(ITEMS).status_code == 200


def test_reviewers_cannot_reach_feeds(reviewer: User) -> None:
    client = client_for(reviewer)
    assert client.get(FEEDS).status_code == 302  # to the login page: reviewers are not staff
