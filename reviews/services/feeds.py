"""RSS/Atom feeds: registering them, and polling them into articles.

Polling (`feed_poll`, the task `reviews.feed_poll`, sent by the beat sweep `feeds_poll_due` for each
active feed whose `next_poll_at` has passed, and by an editor's "poll now"):

1. Take the feed in a short transaction (`select_for_update(skip_locked=True)` on a due, active feed)
   and move `next_poll_at` past the poll's own time limit: a duplicate task finds it locked or not due
   and skips it; a killed worker's feed is due again once that lease passes.
2. GET it through `reviews.net.fetch_checked` with no transaction open, sending the ETag and
   Last-Modified it gave last time; a 304 ends the poll as a success with nothing new.
3. Parse the bytes with feedparser (which never fetches anything itself: it gets bytes, not a URL). A
   body that is no RSS/Atom feed fails the poll with the reason.
4. Record every item not seen before (`FeedItem`, unique per feed and key: the guid / Atom id, else the
   link), each in its own insert: the poller whose insert wins owns the item, so an item is ingested
   once even when two pollers race. An item without a usable link is recorded as skipped, with why.
5. Fetch each owned item's page and submit it as an article (`article_submit_url`: extraction follows on
   a worker, deduplicated by content like any article). A page that cannot be fetched or ingested marks
   that item failed with the reason; the other items go on.
6. Store the outcome: validators, counters, and the next due time (`FACTCHECK_FEED_POLL_SECONDS`, doubled
   per consecutive failure up to 16 times). Failures of the feed itself are counted and kept per feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXParseException

import feedparser
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.exceptions import ApplicationError, NotFound, ValidationFailed
from reviews.links import web_link
from reviews.models import EventAction, Feed, FeedItem, FeedItemStatus
from reviews.net import Fetched, FetchFailed, fetch_checked, url_refusal
from reviews.services.article_urls import article_submit_url
from reviews.services.dispatch import task_send
from reviews.services.events import event_record
from reviews.services.messages import FEED_POLL, FEED_POLL_TIME_LIMIT, task_named
from reviews.services.thresholds import threshold_checked

logger = logging.getLogger(__name__)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/x-rss+xml",
)
# New items fetched per poll: bounds a poll's time (each page may take 3 x the timeout per hop; the task
# is stopped at FEED_POLL_TIME_LIMIT anyway, and what it left pending is fetched by the next poll).
# The rest are found new by the next poll (the validators are not stored while some are left).
ITEMS_PER_POLL = 20
BACKOFF_CAP = 16

FEED_NOT_A_FEED = "{url} is not an RSS or Atom feed ({why})."
FEED_URL_TAKEN = "This feed is registered already."
FEED_NOT_FOUND = "No such feed."
ITEM_WITHOUT_KEY = "The item has neither a guid/id nor a link, so it cannot be told apart from others."
ITEM_WITHOUT_LINK = "The item has no http(s) link to fetch the article from."


@dataclass(frozen=True, slots=True)
class ParsedItem:
    key: str
    link: str  # "" when the item has no usable link (skipped, `problem` says why)
    title: str
    problem: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    items: list[ParsedItem]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    status: str  # "skipped", "not modified", "failed", "polled"
    new: int = 0
    ingested: int = 0
    failed: int = 0
    skipped: int = 0
    error: str = ""


# --------------------------------------------------------------------------------------------------
# Fetching and parsing (no database)
# --------------------------------------------------------------------------------------------------


def feed_fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET a feed through the guard (`FEED_TYPES` only). Raises `FetchFailed` with the reason."""
    return fetch_checked(
        url,
        accept=FEED_TYPES,
        timeout=settings.FACTCHECK_FETCH_TIMEOUT_SECONDS,
        max_bytes=settings.FACTCHECK_FETCH_MAX_BYTES,
        max_redirects=settings.FACTCHECK_FETCH_MAX_REDIRECTS,
        etag=etag,
        last_modified=last_modified,
    )


def _item(entry: Any) -> ParsedItem:
    title = str(entry.get("title") or "")[:500]
    raw_link = str(entry.get("link") or "")
    link = web_link(raw_link) if raw_link else None
    key = str(entry.get("id") or raw_link)
    if not key:
        # Recorded under a digest of what it has, so the same malformed item is reported once.
        digest = hashlib.sha256(repr(sorted((k, str(v)) for k, v in entry.items())).encode()).hexdigest()
        return ParsedItem(key=f"sha256:{digest}", link="", title=title, problem=ITEM_WITHOUT_KEY)
    if link is None or len(link) > 2000:
        return ParsedItem(key=key[:2000], link="", title=title, problem=ITEM_WITHOUT_LINK)
    return ParsedItem(key=key[:2000], link=link, title=title)


def feed_parse(fetched: Fetched) -> ParsedFeed:
    """The feed's title and items, in the feed's order; `FetchFailed` when the bytes are no RSS or Atom
    feed. A feed the parser had to recover (broken markup after some items) keeps the items it read."""
    content_type = fetched.media_type + (f"; charset={fetched.charset}" if fetched.charset else "")
    # Bytes, never a URL: feedparser would fetch a URL itself, around reviews.net's checks. The
    # content location resolves relative links against where the feed came from.
    parsed = feedparser.parse(
        fetched.body, response_headers={"content-type": content_type, "content-location": fetched.url}
    )
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        said = problem.getMessage() if isinstance(problem, SAXParseException) else str(problem or "")
        why = f"the XML parser said: {said}" if said else "no RSS, RDF or Atom root element"
        raise FetchFailed(FEED_NOT_A_FEED.format(url=fetched.url, why=why))
    return ParsedFeed(
        title=str(parsed.feed.get("title") or "")[:300], items=[_item(e) for e in parsed.entries]
    )


# --------------------------------------------------------------------------------------------------
# Registering
# --------------------------------------------------------------------------------------------------


def _refused(message: str, field: str = "url") -> ValidationFailed:
    return ValidationFailed(message, field_errors={field: [message]})


def feed_check(url: str) -> ParsedFeed:
    """Fetch and parse `url` once (no database): `ValidationFailed` naming why it cannot be a feed."""
    problem = url_refusal(url)
    if problem is not None:
        raise _refused(problem)
    try:
        return feed_parse(feed_fetch(url.strip()))
    except FetchFailed as exc:
        raise _refused(str(exc)) from None


def feed_register(
    *, url: str, editor: User, title: str = "", is_active: bool = True, claim_threshold: float | None = None
) -> Feed:
    """Register a feed after fetching it once to check that it is an RSS or Atom feed (the check runs
    before the transaction; `ValidationFailed` with the reason, nothing stored). Its items are ingested by
    its first poll, sent after commit when it is active. `claim_threshold` (in [0, 1], or None for the
    source's or the default) applies to the articles first submitted from it."""
    url = url.strip()
    threshold_checked(claim_threshold, field="claim_threshold")
    parsed = feed_check(url)
    try:
        with transaction.atomic():
            feed = Feed.objects.create(
                url=url,
                title=(title.strip() or parsed.title)[:300],
                is_active=is_active,
                claim_threshold=claim_threshold,
                created_by=editor,
            )
            event_record(
                action=EventAction.FEED_REGISTERED,
                actor=editor,
                data={"feed": feed.pk, "url": feed.url, "claim_threshold": claim_threshold},
            )
            if is_active:
                transaction.on_commit(lambda: _send(feed.pk))
    except IntegrityError:
        raise _refused(FEED_URL_TAKEN) from None
    return feed


def feed_update(
    *,
    feed_id: int,
    editor: User,
    url: str,
    title: str,
    is_active: bool,
    claim_threshold: float | None = None,
) -> Feed:
    """Change a feed to the values given (`claim_threshold` None: the feed has none); a new URL is
    checked as at registration (before the lock), a threshold outside [0, 1] refused. Making a feed active
    again clears its failure count and makes it due now. Locks the feed."""
    url = url.strip()
    threshold_checked(claim_threshold, field="claim_threshold")
    current = Feed.objects.filter(pk=feed_id).values_list("url", flat=True).first()
    if current is None:
        raise NotFound(FEED_NOT_FOUND)
    if url != current:
        feed_check(url)
    try:
        with transaction.atomic():
            feed = Feed.objects.select_for_update().get(pk=feed_id)
            if url != feed.url:
                feed.url, feed.etag, feed.last_modified = url, "", ""
            feed.title = title.strip()[:300]
            if is_active and not feed.is_active:
                feed.consecutive_failures = 0
                feed.next_poll_at = timezone.now()
            feed.is_active = is_active
            previous_threshold, feed.claim_threshold = feed.claim_threshold, claim_threshold
            feed.save()
            event_record(
                action=EventAction.FEED_CHANGED,
                actor=editor,
                data={
                    "feed": feed.pk,
                    "url": feed.url,
                    "active": is_active,
                    "claim_threshold": claim_threshold,
                    "previous_claim_threshold": previous_threshold,
                },
            )
    except IntegrityError:
        raise _refused(FEED_URL_TAKEN) from None
    return feed


def feed_threshold_set(*, feed_id: int, editor: User, claim_threshold: float | None) -> Feed:
    """Set (or, with None, clear) a feed's claim threshold alone (the API's PATCH); refused outside
    [0, 1] with nothing changed. Locks the feed."""
    threshold_checked(claim_threshold, field="claim_threshold")
    with transaction.atomic():
        feed = Feed.objects.select_for_update().filter(pk=feed_id).first()
        if feed is None:
            raise NotFound(FEED_NOT_FOUND)
        previous, feed.claim_threshold = feed.claim_threshold, claim_threshold
        feed.save(update_fields=["claim_threshold"])
        event_record(
            action=EventAction.FEED_CHANGED,
            actor=editor,
            data={"feed": feed.pk, "claim_threshold": claim_threshold, "previous_claim_threshold": previous},
        )
    return feed


def feed_poll_now(*, feed_id: int, editor: User) -> Feed:
    """Make an active feed due now and send its poll after commit (the editors' "poll now"). A feed a
    worker is polling right now is left to that poll (its lease stands). Refused for an inactive feed."""
    with transaction.atomic():
        feed = Feed.objects.select_for_update().filter(pk=feed_id).first()
        if feed is None:
            raise NotFound(FEED_NOT_FOUND)
        if not feed.is_active:
            raise ValidationFailed(f"The feed {feed} is not active; mark it active to poll it.")
        # Also when a worker is polling it now: items are recorded once whoever polls, and a page fetched
        # twice is one article (deduplicated by content).
        feed.next_poll_at = timezone.now()
        feed.save(update_fields=["next_poll_at"])
        transaction.on_commit(lambda: _send(feed_id))
    return feed


# --------------------------------------------------------------------------------------------------
# Polling
# --------------------------------------------------------------------------------------------------


def _send(feed_id: int) -> bool:
    return task_send(
        task_named(FEED_POLL),
        args=[feed_id],
        what=f"Poll of feed {feed_id}",
        repair="the feed sweep sends it when it is due",
        log=logger,
    )


def poll_lease() -> dt.timedelta:
    """Longer than a poll may run (the task's hard time limit), plus a margin."""
    return dt.timedelta(seconds=FEED_POLL_TIME_LIMIT + 60)


def _interval(failures: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.FACTCHECK_FEED_POLL_SECONDS * min(2**failures, BACKOFF_CAP))


def _take(feed_id: int) -> Feed | None:
    with transaction.atomic():
        feed = (
            Feed.objects.select_for_update(skip_locked=True)
            .filter(pk=feed_id, is_active=True, next_poll_at__lte=timezone.now())
            .first()
        )
        if feed is None:
            return None
        feed.next_poll_at = timezone.now() + poll_lease()
        feed.save(update_fields=["next_poll_at"])
        return feed


def _fail(feed_id: int, error: str) -> PollOutcome:
    with transaction.atomic():
        feed = Feed.objects.select_for_update().get(pk=feed_id)
        feed.consecutive_failures += 1
        feed.last_error = error
        feed.last_polled_at = timezone.now()
        feed.next_poll_at = feed.last_polled_at + _interval(feed.consecutive_failures)
        feed.save(update_fields=["consecutive_failures", "last_error", "last_polled_at", "next_poll_at"])
    logger.warning("Feed %s failed: %s", feed_id, error)
    return PollOutcome(status="failed", error=error)


def _record_new(feed: Feed, items: list[ParsedItem]) -> tuple[list[FeedItem], int, int]:
    """Insert the items not seen before, one by one (the unique constraint decides who owns each), and
    return those this poller inserted with a link to fetch, the number of new items recorded, and how
    many of those were skipped as malformed."""
    known = set(
        FeedItem.objects.filter(feed=feed, key__in=[i.key for i in items]).values_list("key", flat=True)
    )
    owned: list[FeedItem] = []
    new = skipped = 0
    for item in items:
        if item.key in known:
            continue
        known.add(item.key)
        try:
            with transaction.atomic():
                row = FeedItem.objects.create(
                    feed=feed,
                    key=item.key,
                    link=item.link,
                    title=item.title,
                    status=FeedItemStatus.SKIPPED if item.problem else FeedItemStatus.PENDING,
                    error=item.problem,
                )
        except IntegrityError:
            continue  # another poller recorded it first: theirs to ingest
        new += 1
        if item.problem:
            skipped += 1
            logger.info("Feed %s: skipped item %r: %s", feed.pk, item.key, item.problem)
        else:
            owned.append(row)
    return owned, new, skipped


def _ingest_item(item: FeedItem) -> bool:
    """Fetch the item's page and submit it as an article; store the outcome on the item."""
    try:
        # The feed's threshold applies to the article (reviews.selectors_thresholds), when it is new.
        outcome = article_submit_url(url=item.link, feed_id=item.feed_id)
    except ApplicationError as exc:
        FeedItem.objects.filter(pk=item.pk).update(status=FeedItemStatus.FAILED, error=exc.message)
        return False
    FeedItem.objects.filter(pk=item.pk).update(
        status=FeedItemStatus.INGESTED, article=outcome.article, ingested_at=timezone.now(), error=""
    )
    return True


def feed_poll(*, feed_id: int) -> PollOutcome:
    """Poll one feed if it is active and due (see the module's docstring). Safe to run twice: a feed
    already taken or not due is skipped, and an item is ingested once whoever records it. Never holds a
    transaction open across a request."""
    feed = _take(feed_id)
    if feed is None:
        return PollOutcome(status="skipped")
    try:
        fetched = feed_fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        parsed = None if fetched.not_modified else feed_parse(fetched)
    except FetchFailed as exc:
        return _fail(feed.pk, str(exc))
    new = skipped = 0
    owned: list[FeedItem] = []
    if parsed is not None:
        owned, new, skipped = _record_new(feed, parsed.items)
    # Items an earlier poll recorded but did not fetch (it was stopped, or left them for later), then
    # the new ones, up to ITEMS_PER_POLL.
    leftover = list(
        FeedItem.objects.filter(feed=feed, status=FeedItemStatus.PENDING)
        .exclude(pk__in=[i.pk for i in owned])
        .order_by("pk")
    )
    queue = (leftover + owned)[:ITEMS_PER_POLL]
    ingested = sum(1 for item in queue if _ingest_item(item))
    done = len(leftover) + len(owned) <= ITEMS_PER_POLL
    with transaction.atomic():
        feed = Feed.objects.select_for_update().get(pk=feed.pk)
        now = timezone.now()
        if fetched.not_modified or done:
            # Kept only once every item of this version is handled: a 304 must not hide items left over.
            feed.etag, feed.last_modified = (
                fetched.etag or feed.etag,
                fetched.last_modified or feed.last_modified,
            )
        feed.last_polled_at = feed.last_success_at = now
        feed.last_error = ""
        feed.consecutive_failures = 0
        feed.items_seen += new
        if parsed is not None and not feed.title:
            feed.title = parsed.title
        # Items left for later make the feed due again at once (the next sweep polls it).
        feed.next_poll_at = now + _interval(0) if done else now
        feed.save()
    return PollOutcome(
        status="not modified" if fetched.not_modified else "polled",
        new=new,
        ingested=ingested,
        failed=len(queue) - ingested,
        skipped=skipped,
    )


def feeds_poll_due(*, limit: int = 500) -> int:
    """Send the poll of every active feed that is due (the beat sweep); returns how many were sent. A
    duplicate with a poll still queued is harmless: the first to take the feed moves its due time."""
    ids = list(
        Feed.objects.filter(is_active=True, next_poll_at__lte=timezone.now())
        .order_by("next_poll_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for feed_id in ids if _send(feed_id))
