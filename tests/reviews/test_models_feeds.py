"""The feeds' named constraints, each made to fail."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import Feed, FeedItem, FeedItemStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed() -> Feed:
    return Feed.objects.create(url="https://news.example.org/feed.xml")


def fails(name: str, create: object) -> None:
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        create()  # type: ignore[operator]


def test_one_feed_per_url(feed: Feed) -> None:
    fails("feed_unique_url", lambda: Feed.objects.create(url=feed.url))


def test_a_feed_url_is_http() -> None:
    fails("feed_url_http", lambda: Feed.objects.create(url="file:///etc/passwd"))


def test_one_item_per_feed_and_key(feed: Feed) -> None:
    FeedItem.objects.create(feed=feed, key="a")
    fails("feeditem_one_per_feed_key", lambda: FeedItem.objects.create(feed=feed, key="a"))
    other = Feed.objects.create(url="https://other.example.org/feed.xml")
    FeedItem.objects.create(feed=other, key="a")  # the same key in another feed is another item


def test_item_status_is_one_of_the_choices(feed: Feed) -> None:
    fails("feeditem_status_valid", lambda: FeedItem.objects.create(feed=feed, key="a", status="lost"))


def test_an_ingested_item_has_its_time(feed: Feed) -> None:
    fails(
        "feeditem_ingested_has_time",
        lambda: FeedItem.objects.create(feed=feed, key="a", status=FeedItemStatus.INGESTED),
    )
    FeedItem.objects.create(feed=feed, key="b", status=FeedItemStatus.INGESTED, ingested_at=timezone.now())


@pytest.mark.parametrize("status", [FeedItemStatus.FAILED, FeedItemStatus.SKIPPED])
def test_a_failed_or_skipped_item_says_why(feed: Feed, status: str) -> None:
    fails("feeditem_failure_has_reason", lambda: FeedItem.objects.create(feed=feed, key="a", status=status))


@pytest.mark.parametrize("value", [-0.01, 1.01])
def test_a_feed_threshold_is_in_the_unit_range(value: float) -> None:
    fails(
        "feed_claim_threshold_range",
        lambda: Feed.objects.create(url="https://a.example.org/feed.xml", claim_threshold=value),
    )
    Feed.objects.create(url="https://b.example.org/feed.xml", claim_threshold=1.0)
    Feed.objects.create(url="https://c.example.org/feed.xml", claim_threshold=None)
