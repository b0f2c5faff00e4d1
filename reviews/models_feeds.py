"""RSS/Atom feeds editors register, and every item seen in them (the record that it is ingested once).

Kept beside `reviews.models` (which imports these classes). The writers are the services in
`reviews.services.feeds`: a feed is polled by a Celery task the beat sweep sends when it is due; each new
item is recorded (one row per feed and item key, a named constraint, so two pollers racing record it
once) before its page is fetched and submitted as an article.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reviews.models_thresholds import threshold_in_unit_range


class FeedItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # recorded, its page not fetched yet (or its poller died)
    INGESTED = "ingested", "Ingested"  # its page is an article (new, or already there by content)
    FAILED = "failed", "Failed"  # its page could not be fetched or ingested; `error` says why
    SKIPPED = "skipped", "Skipped"  # malformed (no link to fetch); `error` says why


class Feed(models.Model):
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    # The validators the server sent with the last feed it answered, sent back as If-None-Match /
    # If-Modified-Since: an unchanged feed costs a 304, not a download and a parse.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # When the feed is due: now + FACTCHECK_FEED_POLL_SECONDS after a poll (longer after failures), and
    # past the poll's own time limit while a worker polls it (a lease: a duplicate task skips it).
    next_poll_at = models.DateTimeField(default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Why the last poll failed (the feed could not be fetched or parsed); empty after a success.
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    items_seen = models.PositiveIntegerField(default=0)
    # The claim threshold for articles first submitted from this feed; None: the source's, else the
    # default (reviews.selectors_thresholds).
    claim_threshold = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("title", "id")
        constraints = [
            # One registration per feed URL: two would poll it twice and race on nothing useful.
            models.UniqueConstraint(fields=["url"], name="feed_unique_url"),
            # Fetched by the worker through reviews.net: only http(s) (the service checks more).
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"), name="feed_url_http"
            ),
            models.CheckConstraint(
                condition=Q(claim_threshold__isnull=True) | threshold_in_unit_range("claim_threshold"),
                name="feed_claim_threshold_range",
            ),
        ]
        indexes = [
            # The beat sweep's scan: active feeds by due time.
            models.Index(fields=["next_poll_at"], condition=Q(is_active=True), name="feed_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class FeedItem(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    # The item's identity in its feed: its guid / Atom id, else its link.
    key = models.CharField(max_length=2000)
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=FeedItemStatus.choices, default=FeedItemStatus.PENDING)
    error = models.TextField(blank=True)
    article = models.ForeignKey(
        "reviews.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_items"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-first_seen_at", "-id")
        constraints = [
            # An item is ingested once: the poller whose insert wins owns it, also when two poll at once
            # or a feed lists the same item twice.
            models.UniqueConstraint(fields=["feed", "key"], name="feeditem_one_per_feed_key"),
            models.CheckConstraint(
                condition=Q(status__in=FeedItemStatus.values), name="feeditem_status_valid"
            ),
            # An ingested item points at its article (until the article is deleted: SET_NULL keeps the
            # record that the item was seen).
            models.CheckConstraint(
                condition=~Q(status=FeedItemStatus.INGESTED) | Q(ingested_at__isnull=False),
                name="feeditem_ingested_has_time",
            ),
            # A failed or skipped item says why, so an editor can act on it.
            models.CheckConstraint(
                condition=~Q(status__in=[FeedItemStatus.FAILED, FeedItemStatus.SKIPPED]) | ~Q(error=""),
                name="feeditem_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.link or self.key
