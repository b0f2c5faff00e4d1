"""Published verdicts rendered for reviews.published_cache: the API's own serializers and JSON renderer,
so a cached document is byte for byte what the API views answer (and has the same ETag).

The public page URL and the site's root differ by the host a request came in on; they are rendered as
placeholders and filled in per request (`slots_for`). The placeholders contain NUL, which no text
PostgreSQL stores can contain, so no claim or summary can be mistaken for one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from reviews.api.claimreview import Publisher, SiteUrls
from reviews.api.renderers import JSONRenderer
from reviews.api.serializers import ClaimReviewSerializer, VerdictSerializer
from reviews.published_cache import Fragment, Part, fragments_store, generation
from reviews.selectors_public import verdicts_published

PAGE_SLOT = "page"
SITE_SLOT = "site"
_PLACEHOLDERS = {PAGE_SLOT: "\x00page\x00", SITE_SLOT: "\x00site\x00"}
_ENCODED = {json.dumps(text).encode(): slot for slot, text in _PLACEHOLDERS.items()}
_renderer = JSONRenderer()


class _PlaceholderUrls(SiteUrls):
    """SiteUrls whose every URL is a placeholder (the page URL does not depend on the id here: each
    fragment is one verdict's, and its id is known when the slot is filled)."""

    def page(self, verdict_id: int) -> str:
        return _PLACEHOLDERS[PAGE_SLOT]


def _placeholder_urls() -> SiteUrls:
    publisher = Publisher(
        name=settings.FACTCHECK_PUBLISHER_NAME,
        url=settings.FACTCHECK_PUBLISHER_URL or _PLACEHOLDERS[SITE_SLOT],
    )
    return _PlaceholderUrls(page_head="", page_tail="", publisher=publisher)


def _parts(data: Any) -> tuple[Part, ...]:
    """`data` rendered as the API renders it, cut at each placeholder."""
    rendered = _renderer.render(data)
    parts: list[Part] = []
    while True:
        positions = [(rendered.find(token), token) for token in _ENCODED]
        found = [(at, token) for at, token in positions if at >= 0]
        if not found:
            parts.append(rendered)
            return tuple(parts)
        at, token = min(found)
        parts += [rendered[:at], _ENCODED[token]]
        rendered = rendered[at + len(token) :]


def fragments_render(verdict_ids: Sequence[int]) -> dict[int, Fragment]:
    """The fragments of those of `verdict_ids` that are published (two queries for any number)."""
    context = {"site_urls": _placeholder_urls()}
    return {
        verdict.pk: Fragment(
            verdict_id=verdict.pk,
            detail=_parts(VerdictSerializer(verdict, context=context).data),
            claimreview=_parts(ClaimReviewSerializer(verdict, context=context).data),
        )
        for verdict in verdicts_published().filter(pk__in=list(verdict_ids))
    }


def fragments_build(verdict_ids: Sequence[int]) -> dict[int, Fragment]:
    """Render the published ones of `verdict_ids` from the database and store them in the cache.

    Returns what was rendered, stored or not (not: a change committed meanwhile; the caller may still
    serve it, since it read the database before that change was visible anywhere).
    """
    return _render_and_store(verdict_ids)[0]


def fragments_build_stored(verdict_ids: Sequence[int], *, attempts: int) -> int | None:
    """`fragments_build` for a bulk build: rendered again while a change committed meanwhile discards
    the rendering, up to `attempts` times. How many fragments were stored, or None when every attempt
    was discarded (their first readers render them)."""
    for _ in range(attempts):
        fragments, stored = _render_and_store(verdict_ids)
        if stored:
            return len(fragments)
    return None


def _render_and_store(verdict_ids: Sequence[int]) -> tuple[dict[int, Fragment], bool]:
    rendered_at = generation()
    fragments = fragments_render(verdict_ids)
    return fragments, fragments_store(fragments.values(), rendered_at=rendered_at)


def slots_for(request: HttpRequest, verdict_id: int) -> dict[str, bytes]:
    """The placeholders' values for one verdict as requested: its page URL and the site's root URL."""
    urls = SiteUrls.for_request(request)
    return {
        PAGE_SLOT: json.dumps(urls.page(verdict_id)).encode(),
        SITE_SLOT: json.dumps(urls.publisher.url).encode(),
    }
