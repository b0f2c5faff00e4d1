"""Feed polling through a real Celery worker and Redis: the beat sweep's message reaches the worker,
which polls the feed from a local HTTP server, records its items, and submits their pages, which the
worker then extracts into articles. A changed feed brings only its new item; an unchanged one is a 304."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from reviews.models import Article, ArticleStatus, Feed, FeedItem, FeedItemStatus
from reviews.services.feeds import feeds_poll_due
from tests.e2e.conftest import wait_for
from tests.reviews.feed_fixtures import MALFORMED_ITEMS, RSS_TYPE, rss, serve_pages
from tests.reviews.page_server import PageServer, running_page_server

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True  # the worker's local settings allow it too
    yield from running_page_server()


def ready_articles() -> int:
    return Article.objects.filter(status=ArticleStatus.READY).count()


def test_the_worker_polls_a_feed_and_ingests_new_items_once(
    celery_worker_process: subprocess.Popen[bytes], pages: PageServer
) -> None:
    serve_pages(pages, ["budget", "jobs", "rents"])
    url = pages.serve(
        "/feed.xml", rss(pages, ["budget", "jobs"], extra=MALFORMED_ITEMS), content_type=RSS_TYPE, etag='"v1"'
    )
    feed = Feed.objects.create(url=url, title="City news")

    assert feeds_poll_due() == 1
    wait_for(lambda: ready_articles() == 2, timeout=120, what="the worker to poll and extract two articles")
    feed.refresh_from_db()
    assert (feed.items_seen, feed.etag, feed.consecutive_failures) == (4, '"v1"', 0)
    assert sorted(FeedItem.objects.values_list("status", flat=True)) == [
        FeedItemStatus.INGESTED,
        FeedItemStatus.INGESTED,
        FeedItemStatus.SKIPPED,
        FeedItemStatus.SKIPPED,
    ]
    assert sorted(Article.objects.values_list("source_url", flat=True)) == [
        pages.url("/a/budget"),
        pages.url("/a/jobs"),
    ]

    # Unchanged: the worker's conditional GET gets a 304 and nothing is fetched again.
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
    polls = len(pages.hits("/feed.xml"))
    first_polled_at = Feed.objects.get(pk=feed.pk).last_polled_at
    assert feeds_poll_due() == 1
    wait_for(lambda: len(pages.hits("/feed.xml")) > polls, timeout=60, what="the second poll")
    # Finished: a poll sets last_polled_at when it is done (its lease moved next_poll_at at the start,
    # and the end moves it again, which would undo the due time set below).
    wait_for(
        lambda: Feed.objects.filter(pk=feed.pk, last_polled_at__gt=first_polled_at).exists(),
        timeout=60,
        what="the second poll to finish",
    )
    assert pages.hits("/feed.xml")[-1].headers["If-None-Match"] == '"v1"'

    # Changed: only the new item is fetched and ingested.
    pages.serve("/feed.xml", rss(pages, ["jobs", "rents"]), content_type=RSS_TYPE, etag='"v2"')
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
    assert feeds_poll_due() == 1
    wait_for(lambda: ready_articles() == 3, timeout=120, what="the new item's article")
    assert [len(pages.hits(f"/a/{slug}")) for slug in ("budget", "jobs", "rents")] == [1, 1, 1]
    assert FeedItem.objects.filter(status=FeedItemStatus.INGESTED).count() == 3
    wait_for(lambda: Feed.objects.filter(pk=feed.pk, etag='"v2"').exists(), timeout=60, what="the new ETag")
