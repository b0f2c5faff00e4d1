"""schema.org ClaimReview for a published verdict, as fact-checkers publish them for search engines.

`claimreview_document` is a pure function of a verdict (with its claim, article and rating loaded, as
`reviews.selectors_public` returns them) and the URLs the caller knows; it reads nothing else, so the API,
the feed and the public HTML page embed exactly the same document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from reviews.models import Article, Verdict
from reviews.payloads import bidi_controls_removed

SCHEMA_ORG_CONTEXT = "https://schema.org"


@dataclass(frozen=True, slots=True)
class Publisher:
    """The organisation that publishes the fact-checks (settings FACTCHECK_PUBLISHER_NAME / _URL)."""

    name: str
    url: str


def _shown(text: str) -> str:
    # Search engines display these strings: without bidirectional controls, including any stored before
    # ingest and verdict validation removed or refused them (reviews.payloads).
    return bidi_controls_removed(text)


def _claim_author(article: Article) -> dict[str, Any] | None:
    # Who made the claim, as far as the article tells: its byline, else the outlet that ran it.
    if article.author:
        return {"@type": "Person", "name": _shown(article.author)}
    if article.publisher:
        return {"@type": "Organization", "name": _shown(article.publisher)}
    return None


def claimreview_document(verdict: Verdict, *, page_url: str, publisher: Publisher) -> dict[str, Any]:
    """The ClaimReview JSON-LD of a published `verdict`; `page_url` is its public page (absolute).

    The claim's `appearance` is the article's own URL when known, else the public page (which quotes
    the article).
    """
    claim = verdict.claim
    article = claim.article
    rating = verdict.rating
    if rating is None or verdict.published_at is None:
        raise ValueError(f"Verdict {verdict.pk} is not published: it has no ClaimReview.")

    appearance: dict[str, Any] = {"@type": "CreativeWork", "url": article.source_url or page_url}
    if article.title:
        appearance["headline"] = _shown(article.title)
    if article.publisher:
        appearance["publisher"] = {"@type": "Organization", "name": _shown(article.publisher)}

    item: dict[str, Any] = {"@type": "Claim", "appearance": appearance}
    author = _claim_author(article)
    if author is not None:
        item["author"] = author
    claim_date = article.published_on or article.created_at.date()
    item["datePublished"] = claim_date.isoformat()

    document: dict[str, Any] = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "ClaimReview",
        "url": page_url,
        "claimReviewed": _shown(claim.text),
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "datePublished": verdict.published_at.date().isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating.rating_value,
            "bestRating": rating.best_rating,
            "worstRating": rating.worst_rating,
            "alternateName": _shown(rating.alternate_name or rating.name),
        },
    }
    if verdict.summary:
        document["reviewBody"] = _shown(verdict.summary)
    return document


# --- the URLs and settings a request knows (not pure: kept apart from the builder) ----------------


def publisher_for(request: HttpRequest) -> Publisher:
    """The review's author from settings; without FACTCHECK_PUBLISHER_URL, this site's root URL."""
    return Publisher(
        name=settings.FACTCHECK_PUBLISHER_NAME,
        url=settings.FACTCHECK_PUBLISHER_URL or request.build_absolute_uri("/"),
    )


def public_page_url(request: HttpRequest, verdict_id: int) -> str:
    """Absolute URL of the verdict's public HTML page (the ClaimReview `url`)."""
    return request.build_absolute_uri(reverse("reviews:verdict-public", args=[verdict_id]))


_SENTINEL = 987654321987


@dataclass(frozen=True, slots=True)
class SiteUrls:
    """The public page URLs and the publisher for one request, worked out once for a page of 50 rows
    (reversing a URL and building an absolute one for each row costs more than the rest of the row)."""

    page_head: str
    page_tail: str
    publisher: Publisher

    @classmethod
    def for_request(cls, request: HttpRequest) -> SiteUrls:
        head, tail = public_page_url(request, _SENTINEL).split(str(_SENTINEL))
        return cls(page_head=head, page_tail=tail, publisher=publisher_for(request))

    def page(self, verdict_id: int) -> str:
        return f"{self.page_head}{verdict_id}{self.page_tail}"

    def claimreview(self, verdict: Verdict) -> dict[str, Any]:
        return claimreview_document(verdict, page_url=self.page(verdict.pk), publisher=self.publisher)

    @classmethod
    def configured(cls) -> SiteUrls:
        """The URLs without a request (webhook bodies, exports): the public root FACTCHECK_SITE_URL, or
        site-relative URLs when it is empty."""
        root = settings.FACTCHECK_SITE_URL.rstrip("/")
        head, tail = (root + reverse("reviews:verdict-public", args=[_SENTINEL])).split(str(_SENTINEL))
        publisher = Publisher(
            name=settings.FACTCHECK_PUBLISHER_NAME, url=settings.FACTCHECK_PUBLISHER_URL or f"{root}/"
        )
        return cls(page_head=head, page_tail=tail, publisher=publisher)
