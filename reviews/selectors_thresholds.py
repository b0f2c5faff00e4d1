"""Which claim threshold extraction uses for an article, and where it comes from.

Precedence, first that is set:

1. the threshold of the feed the article was submitted from (`Feed.claim_threshold`);
2. the threshold of its source (`SourceThreshold`): the host of the article's source URL, lower case,
   without port, trailing dot or a leading "www.", equal to the stored host (`news.example.com` is a
   source of its own; `www.example.com` and `example.com` are one). An article without a source URL has
   no source;
3. the setting `FACTCHECK_CLAIM_THRESHOLD`;
4. the scorer's news threshold (`news_threshold` in the model's meta.json), chosen on labelled news.

The policy is read when extraction starts (at ingest, on the worker for a submitted article, and again on
re-extraction), so a change applies to every extraction after it and never rewrites stored claims. An
article that came without a source URL gets the one its page names (its metadata) when it is stored; if
that source has a threshold, extraction runs again at it (`claim_threshold_named`), so the first
extraction and a re-extraction, which sees the stored URL, cut alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet

from reviews.models import Feed, SourceThreshold, ThresholdOrigin


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    # None with ThresholdOrigin.MODEL: the scorer's own news threshold (extraction records the number).
    value: float | None
    origin: ThresholdOrigin


def host_normalised(host: str) -> str:
    """A host as sources are stored and matched: lower case, no trailing dot, no leading "www."."""
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def source_host(url: str) -> str:
    """The source an article URL belongs to (`host_normalised` of its host); "" without a usable host."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host_normalised(host)


def source_thresholds() -> QuerySet[SourceThreshold]:
    """Every source threshold, by host (the desk's list)."""
    return SourceThreshold.objects.select_related("updated_by").order_by("host")


def claim_threshold_for(*, source_url: str = "", feed_id: int | None = None) -> ThresholdChoice:
    """The threshold for an article from `source_url` submitted from feed `feed_id` (module docstring).
    At most two single-row queries."""
    if feed_id is not None:
        value = Feed.objects.filter(pk=feed_id).values_list("claim_threshold", flat=True).first()
        if value is not None:
            return ThresholdChoice(value, ThresholdOrigin.FEED)
    host = source_host(source_url) if source_url else ""
    if host:
        value = SourceThreshold.objects.filter(host=host).values_list("threshold", flat=True).first()
        if value is not None:
            return ThresholdChoice(value, ThresholdOrigin.SOURCE)
    setting: float | None = settings.FACTCHECK_CLAIM_THRESHOLD
    if setting is not None:
        return ThresholdChoice(float(setting), ThresholdOrigin.SETTING)
    return ThresholdChoice(None, ThresholdOrigin.MODEL)


def claim_threshold_named(
    *, used: ThresholdChoice, given_source_url: str, named_source_url: str, feed_id: int | None = None
) -> ThresholdChoice | None:
    """The threshold of the source an article's page names (`named_source_url`, from its metadata) when
    the article came without a source URL (`given_source_url` empty), no feed threshold applied, and that
    source has one; None when the cut `used` stands."""
    if given_source_url or used.origin == ThresholdOrigin.FEED or not named_source_url:
        return None
    choice = claim_threshold_for(source_url=named_source_url, feed_id=feed_id)
    return choice if choice.origin == ThresholdOrigin.SOURCE else None
