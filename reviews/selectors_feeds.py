"""Reads of the registered feeds (the API's feed endpoints)."""

from __future__ import annotations

from django.db.models import QuerySet

from reviews.models import Feed


def feeds_all() -> QuerySet[Feed]:
    """Every registered feed, oldest first: the API's list order."""
    return Feed.objects.order_by("pk")


def feed_get(*, feed_id: int) -> Feed | None:
    return Feed.objects.filter(pk=feed_id).first()
