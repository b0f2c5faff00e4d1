"""Feeds against a real local HTTP server: registration checks the feed, polls ingest new items once
(ETag / 304 honoured, changed items picked up), malformed items and failing pages are recorded per item,
and a failing feed is recorded per feed without stopping anything else."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import Article, Feed, FeedItem, FeedItemStatus, ReviewEvent, ThresholdOrigin
from reviews.services import feeds
from reviews.services.articles import article_extract
from reviews.services.feeds import (
    ITEM_WITHOUT_KEY,
    ITEM_WITHOUT_LINK,
    feed_poll,
    feed_poll_now,
    feed_register,
    feed_update,
    feeds_poll_due,
)
from tests.reviews.feed_fixtures import MALFORMED_ITEMS, RSS_TYPE, atom, rss, serve_pages
from tests.reviews.page_server import PageServer, running_page_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(settings: Any) -> Iterator[PageServer]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_FETCH_TIMEOUT_SECONDS = 0.5
    settings.FACTCHECK_FEED_POLL_SECONDS = 600
    yield from running_page_server()


def make_due(feed: Feed) -> None:
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())


def registered(pages: PageServer, editor: User, body: str, **route: Any) -> Feed:
    url = pages.serve("/feed.xml", body, content_type=RSS_TYPE, **route)
    return feed_register(url=url, editor=editor)


# --- registering -------------------------------------------------------------------------------------


def test_registering_checks_the_feed_and_takes_its_title(pages: PageServer, editor: User) -> None:
    feed = registered(pages, editor, rss(pages, ["budget"]))
    assert (feed.title, feed.is_active, feed.created_by) == ("City news", True, editor)
    assert ReviewEvent.objects.filter(action="feed.registered").count() == 1
    assert not FeedItem.objects.exists()  # items come with the first poll


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (
            "this is not xml at all",
            "application/xml",
            "{url} is not an RSS or Atom feed (the XML parser said: syntax error).",
        ),
        (
            "<html><body><p>A page</p></body></html>",
            "application/xml",
            "{url} is not an RSS or Atom feed (no RSS, RDF or Atom root element).",
        ),
        (
            "<html><body><p>A page</p></body></html>",
            "text/html",
            "{url} answered with text/html, not application/atom+xml or application/rdf+xml or "
            "application/rss+xml or application/x-rss+xml or application/xml or text/xml.",
        ),
    ],
)
def test_what_is_no_feed_is_refused_with_the_reason(
    pages: PageServer, editor: User, body: str, content_type: str, reason: str
) -> None:
    url = pages.serve("/bad", body, content_type=content_type)
    with pytest.raises(ValidationFailed) as refused:
        feed_register(url=url, editor=editor)
    assert refused.value.message == reason.format(url=url)
    assert refused.value.field_errors == {"url": [reason.format(url=url)]}
    assert not Feed.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_a_private_feed_url_and_a_second_registration_are_refused(
    pages: PageServer, editor: User, settings: Any
) -> None:
    feed = registered(pages, editor, rss(pages, []))
    with pytest.raises(ValidationFailed) as twice:
        feed_register(url=feed.url, editor=editor)
    assert twice.value.message == "This feed is registered already."
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationFailed) as private:
        feed_register(url="http://10.0.0.7/feed.xml", editor=editor)
    assert private.value.message == (
        "The URL points to a private, loopback or link-local address (10.0.0.7), which is refused "
        "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
    )
    assert Feed.objects.count() == 1


# --- polling ---------------------------------------------------------------------------------------


def test_a_poll_ingests_new_items_and_records_the_malformed_and_the_failed(
    pages: PageServer, editor: User
) -> None:
    serve_pages(pages, ["budget", "jobs"])
    pages.serve("/a/slow", "<html></html>", delay=3)
    body = rss(pages, ["budget", "jobs", "slow"], extra=MALFORMED_ITEMS)
    feed = registered(pages, editor, body)
    outcome = feed_poll(feed_id=feed.pk)
    assert (outcome.status, outcome.new, outcome.ingested, outcome.failed, outcome.skipped) == (
        "polled",
        5,
        2,
        1,
        2,
    )
    items = {item.title: item for item in FeedItem.objects.all()}
    assert {t: i.status for t, i in items.items()} == {
        "Budget": FeedItemStatus.INGESTED,
        "Jobs": FeedItemStatus.INGESTED,
        "Slow": FeedItemStatus.FAILED,
        "Orphan": FeedItemStatus.SKIPPED,
        "Script": FeedItemStatus.SKIPPED,
    }
    assert items["Slow"].error == f"{pages.url('/a/slow')} did not answer within 0.5 seconds."
    assert items["Orphan"].error == ITEM_WITHOUT_KEY
    assert items["Script"].error == ITEM_WITHOUT_LINK
    budget = items["Budget"].article
    assert budget is not None
    assert (budget.source_url, budget.status) == (pages.url("/a/budget"), "pending")
    assert Article.objects.count() == 2
    feed.refresh_from_db()
    assert (feed.items_seen, feed.consecutive_failures, feed.last_error) == (5, 0, "")
    assert feed.next_poll_at > timezone.now() + dt.timedelta(seconds=590)


def test_a_feed_broken_after_some_items_keeps_the_items_read(pages: PageServer, editor: User) -> None:
    serve_pages(pages, ["budget", "jobs"])
    whole = rss(pages, ["budget", "jobs"])
    broken = whole.replace("</channel></rss>", "<item><title>Cut off</tit")
    feed = registered(pages, editor, broken)
    outcome = feed_poll(feed_id=feed.pk)
    assert (outcome.status, outcome.ingested) == ("polled", 2)
    assert set(FeedItem.objects.values_list("title", "status")) >= {
        ("Budget", FeedItemStatus.INGESTED),
        ("Jobs", FeedItemStatus.INGESTED),
    }


def test_a_feed_whose_items_change_ingests_each_item_once_and_honours_the_etag(
    pages: PageServer, editor: User
) -> None:
    serve_pages(pages, ["budget", "jobs", "rents"])
    feed = registered(pages, editor, rss(pages, ["budget", "jobs"]), etag='"v1"')
    assert feed_poll(feed_id=feed.pk).ingested == 2

    make_due(feed)
    unchanged = feed_poll(feed_id=feed.pk)
    assert (unchanged.status, unchanged.new) == ("not modified", 0)
    assert pages.hits("/feed.xml")[-1].headers["If-None-Match"] == '"v1"'

    # The feed changes: "budget" drops out, "rents" comes in, "jobs" stays.
    pages.serve("/feed.xml", rss(pages, ["jobs", "rents"]), content_type=RSS_TYPE, etag='"v2"')
    make_due(feed)
    changed = feed_poll(feed_id=feed.pk)
    assert (changed.status, changed.new, changed.ingested) == ("polled", 1, 1)
    assert [len(pages.hits(f"/a/{slug}")) for slug in ("budget", "jobs", "rents")] == [1, 1, 1]
    assert FeedItem.objects.filter(status=FeedItemStatus.INGESTED).count() == 3
    feed.refresh_from_db()
    assert (feed.etag, feed.items_seen) == ('"v2"', 3)


def test_last_modified_is_sent_back_too(pages: PageServer, editor: User) -> None:
    stamp = "Mon, 07 Dec 2026 03:00:00 GMT"
    feed = registered(pages, editor, rss(pages, []), last_modified=stamp)
    feed_poll(feed_id=feed.pk)
    make_due(feed)
    assert feed_poll(feed_id=feed.pk).status == "not modified"
    assert pages.hits("/feed.xml")[-1].headers["If-Modified-Since"] == stamp


def test_an_atom_feed_with_relative_links_is_read(pages: PageServer, editor: User) -> None:
    serve_pages(pages, ["trains"])
    url = pages.serve("/atom.xml", atom(pages, ["trains"]), content_type="application/atom+xml")
    feed = feed_register(url=url, editor=editor)
    assert feed.title == "Atom news"
    assert feed_poll(feed_id=feed.pk).ingested == 1
    assert FeedItem.objects.get().link == pages.url("/a/trains")


def test_a_failing_feed_is_recorded_backs_off_and_recovers(pages: PageServer, editor: User) -> None:
    feed = registered(pages, editor, rss(pages, []))
    pages.serve("/feed.xml", "not a feed", content_type="application/xml")
    before = timezone.now()
    outcome = feed_poll(feed_id=feed.pk)
    reason = f"{feed.url} is not an RSS or Atom feed (the XML parser said: syntax error)."
    assert (outcome.status, outcome.error) == ("failed", reason)
    pages.routes.pop("/feed.xml")
    make_due(feed)
    feed_poll(feed_id=feed.pk)
    feed.refresh_from_db()
    assert (feed.consecutive_failures, feed.last_error) == (2, f"{feed.url} answered HTTP 404.")
    assert feed.next_poll_at >= before + dt.timedelta(seconds=600 * 4)  # 2 failures: 4x the interval
    assert feed.last_success_at is None

    pages.serve("/feed.xml", rss(pages, []), content_type=RSS_TYPE)
    make_due(feed)
    assert feed_poll(feed_id=feed.pk).status == "polled"
    feed.refresh_from_db()
    assert (feed.consecutive_failures, feed.last_error) == (0, "")


def test_a_feed_not_due_inactive_or_gone_is_skipped(pages: PageServer, editor: User) -> None:
    feed = registered(pages, editor, rss(pages, []))
    assert feed_poll(feed_id=feed.pk).status == "polled"
    assert feed_poll(feed_id=feed.pk).status == "skipped"  # not due again yet
    Feed.objects.filter(pk=feed.pk).update(is_active=False, next_poll_at=timezone.now())
    assert feed_poll(feed_id=feed.pk).status == "skipped"
    assert feed_poll(feed_id=feed.pk + 1000).status == "skipped"
    assert len(pages.hits("/feed.xml")) == 2  # the registration check and the one poll


def test_items_over_the_per_poll_limit_are_left_for_the_next_poll(
    pages: PageServer, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "ITEMS_PER_POLL", 2)
    serve_pages(pages, ["budget", "jobs", "rents"])
    feed = registered(pages, editor, rss(pages, ["budget", "jobs", "rents"]), etag='"v1"')
    first = feed_poll(feed_id=feed.pk)
    assert (first.new, first.ingested) == (3, 2)
    feed.refresh_from_db()
    assert feed.etag == ""  # not kept: a 304 would hide the item left over
    assert feed.next_poll_at <= timezone.now()
    second = feed_poll(feed_id=feed.pk)
    assert (second.new, second.ingested) == (0, 1)
    assert FeedItem.objects.filter(status=FeedItemStatus.INGESTED).count() == 3


def test_the_sweep_sends_due_active_feeds_only(
    pages: PageServer, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []

    def send(feed_id: int) -> bool:
        sent.append(feed_id)
        return True

    monkeypatch.setattr(feeds, "_send", send)
    due = registered(pages, editor, rss(pages, []))
    later = Feed.objects.create(
        url=pages.url("/later.xml"), next_poll_at=timezone.now() + dt.timedelta(hours=1)
    )
    Feed.objects.create(url=pages.url("/off.xml"), is_active=False)
    assert feeds_poll_due() == 1
    assert sent == [due.pk]
    assert later.pk not in sent


def test_poll_now_makes_the_feed_due_and_refuses_inactive_ones(
    pages: PageServer, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    serve_pages(pages, ["budget"])
    feed = registered(pages, editor, rss(pages, ["budget"]))
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now() + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        feed_poll_now(feed_id=feed.pk, editor=editor)  # eager Celery: polls here
    assert FeedItem.objects.get().status == FeedItemStatus.INGESTED
    feed_update(feed_id=feed.pk, editor=editor, url=feed.url, title="Renamed", is_active=False)
    with pytest.raises(ValidationFailed) as refused:
        feed_poll_now(feed_id=feed.pk, editor=editor)
    assert refused.value.message == "The feed Renamed is not active; mark it active to poll it."
    with pytest.raises(NotFound):
        feed_poll_now(feed_id=feed.pk + 1000, editor=editor)


def test_changing_the_url_checks_it_and_forgets_the_validators(pages: PageServer, editor: User) -> None:
    feed = registered(pages, editor, rss(pages, []), etag='"v1"')
    feed_poll(feed_id=feed.pk)
    bad = pages.serve("/bad.xml", "nope", content_type="application/xml")
    with pytest.raises(ValidationFailed):
        feed_update(feed_id=feed.pk, editor=editor, url=bad, title="", is_active=True)
    other = pages.serve("/other.xml", rss(pages, []), content_type=RSS_TYPE)
    changed = feed_update(feed_id=feed.pk, editor=editor, url=other, title="", is_active=True)
    assert (changed.url, changed.etag) == (other, "")


# --- two pollers at once (real threads, PostgreSQL) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_pollers_racing_ingest_each_item_once(pages: PageServer, editor: User) -> None:
    slugs = ["budget", "jobs", "rents", "trains"]
    serve_pages(pages, slugs)
    # Created directly: registering sends the first poll after commit, which eager Celery runs at once.
    feed = Feed.objects.create(url=pages.serve("/feed.xml", rss(pages, slugs), content_type=RSS_TYPE))
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def poll() -> None:
        try:
            start.wait()
            outcomes.append(feed_poll(feed_id=feed.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.status for o in outcomes) == ["polled", "skipped"]
    assert FeedItem.objects.count() == 4
    assert Article.objects.count() == 4
    assert [len(pages.hits(f"/a/{slug}")) for slug in slugs] == [1, 1, 1, 1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recording_races_on_the_items_too(pages: PageServer, editor: User) -> None:
    """Past the feed's lease (a poll outliving it), two pollers record the same items: the constraint
    gives each item to one of them."""
    slugs = ["budget", "jobs", "rents", "trains"]
    feed = Feed.objects.create(url=pages.serve("/feed.xml", rss(pages, slugs), content_type=RSS_TYPE))
    parsed = feeds.feed_parse(feeds.feed_fetch(feed.url))
    start = threading.Barrier(2)
    owned: list[list[FeedItem]] = []

    def record() -> None:
        try:
            start.wait()
            owned.append(feeds._record_new(feed, parsed.items)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    keys = sorted(item.key for batch in owned for item in batch)
    assert keys == sorted(f"id-{slug}" for slug in slugs)
    assert FeedItem.objects.count() == 4


def test_a_feeds_items_are_extracted_at_the_feeds_threshold(
    pages: PageServer, editor: User, settings: Any
) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.3
    serve_pages(pages, ["budget"])
    url = pages.serve("/feed.xml", rss(pages, ["budget"]), content_type=RSS_TYPE)
    feed = feed_register(url=url, editor=editor, claim_threshold=0.75)
    assert feed_poll(feed_id=feed.pk).ingested == 1
    article = FeedItem.objects.get().article
    assert article is not None
    assert article.feed_id == feed.pk
    article_extract(article_id=article.pk)
    article.refresh_from_db()
    assert (article.claim_threshold, article.claim_threshold_origin) == (0.75, ThresholdOrigin.FEED)


def test_a_feed_with_a_threshold_outside_the_unit_range_is_not_registered(editor: User) -> None:
    # Refused before the feed is fetched: no server is needed to hear it.
    with pytest.raises(ValidationFailed) as refused:
        feed_register(url="https://example.com/feed.xml", editor=editor, claim_threshold=1.2)
    message = "A threshold is a score between 0 and 1 (for example 0.41); 1.2 is not."
    assert refused.value.field_errors == {"claim_threshold": [message]}
    assert not Feed.objects.exists()
