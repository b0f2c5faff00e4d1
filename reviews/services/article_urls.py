"""Articles from URLs: fetch the page through the outgoing-URL guard (`reviews.net.fetch_checked`), then
ingest its bytes through the article service, so decoding, deduplication, extraction and matching are
those of any other article. The fetched URL (after redirects) is kept as the article's source.

No transaction is open during the fetch; a page that cannot be fetched raises `ArticleRejected` with the
reason (a 400 in the API) and stores nothing.
"""

from __future__ import annotations

from django.conf import settings

from reviews.exceptions import ArticleRejected
from reviews.models import Article
from reviews.net import Fetched, FetchFailed, fetch_checked
from reviews.services.articles import (
    IngestOutcome,
    PreparedArticle,
    article_ingest,
    article_prepare,
    article_submit,
)
from reviews.services.events import Actor

# What an article page may be served as; anything else (a PDF, an image, JSON) is refused by type.
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
ORIGIN_CHARS = 500


def page_fetch(*, url: str) -> Fetched:
    """GET an article page (`PAGE_TYPES`) with the fetch settings; `ArticleRejected` when it fails."""
    try:
        return fetch_checked(
            url,
            accept=PAGE_TYPES,
            timeout=settings.FACTCHECK_FETCH_TIMEOUT_SECONDS,
            max_bytes=settings.FACTCHECK_FETCH_MAX_BYTES,
            max_redirects=settings.FACTCHECK_FETCH_MAX_REDIRECTS,
        )
    except FetchFailed as exc:
        raise ArticleRejected(str(exc)) from None


def page_content_type(fetched: Fetched) -> str:
    """The article content type a fetched page is extracted as."""
    return "text/plain" if fetched.media_type == "text/plain" else "text/html"


def article_prepare_url(*, url: str) -> PreparedArticle | Article:
    """Fetch `url` and decode and identify its page (`article_prepare`), for `manage.py ingest
    https://...`, which extracts in its own worker processes. Raises `ArticleRejected` naming the URL."""
    fetched = page_fetch(url=url)
    return article_prepare(
        data=fetched.body,
        name=fetched.url[:ORIGIN_CHARS],
        content_type=page_content_type(fetched),
        declared_charset=fetched.charset,
        source_url=fetched.url,
    )


def article_ingest_url(*, url: str, actor: Actor = None) -> IngestOutcome:
    """Fetch `url` and ingest it synchronously (`manage.py ingest https://...`). Idempotent by content, as
    `article_ingest`. Raises `ArticleRejected` naming the URL; nothing is stored then."""
    fetched = page_fetch(url=url)
    return article_ingest(
        data=fetched.body,
        name=fetched.url[:ORIGIN_CHARS],
        content_type=page_content_type(fetched),
        declared_charset=fetched.charset,
        source_url=fetched.url,
        actor=actor,
    )


def article_submit_url(*, url: str, actor: Actor = None, feed_id: int | None = None) -> IngestOutcome:
    """Fetch `url` now and submit its page for extraction on a worker (`POST /api/v1/articles/` with a
    `url`), as `article_submit`. The fetch runs in the caller's request, bounded by
    FACTCHECK_FETCH_TIMEOUT_SECONDS (3 times it at most per hop), so a page that cannot be fetched is a
    400 with the reason rather than a failed article later."""
    fetched = page_fetch(url=url)
    return article_submit(
        data=fetched.body,
        name=fetched.url[:ORIGIN_CHARS],
        content_type=page_content_type(fetched),
        declared_charset=fetched.charset,
        source_url=fetched.url,
        actor=actor,
        feed_id=feed_id,
    )
