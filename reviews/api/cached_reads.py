"""Published reads answered from the published cache (reviews.published_cache), inside the verdict views.

Published verdicts are frozen, so what a caller who cannot see unpublished work reads of them changes only
when published content changes, and the cache is invalidated then (docs/architecture.md, "Caches"). For
such callers (anonymous, or an API consumer's token) the verdict views answer from it:

- one verdict and its ClaimReview (CachedDocumentMixin): the verdict's fragment, rendered once by
  reviews.api.published_render, with the site's URLs filled in per request;
- the feeds, `/verdicts/` and `/claimreview/` (CachedFeedMixin), with no parameters but `cursor`,
  `page_size` and `ordering`: the view's own rendered answer to the same URL, kept while no published
  content changed (the generation). Filtered lists are read from the database every time, so that junk
  parameters cannot fill the cache with one entry per spelling.

Such a request has been through the whole stack first (middleware, authentication, throttles, content
negotiation); only the database read and the rendering are skipped. The body is byte for byte what the
view renders, so headers, ETag and 304 (reviews.api.conditional) are the view's. A cache that cannot be
reached is a miss (reviews.cache_outage).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from reviews import published_cache
from reviews.api.renderers import JSONRenderer, RenderedJSON
from reviews.cache_outage import CACHE_ERRORS, cache_outage
from reviews.ids import record_id
from reviews.selectors_public import sees_unpublished

FEED_PARAMETERS = frozenset({"cursor", "page_size", "ordering"})


def _applies(request: Request) -> bool:
    """Whether this caller may be answered from the cache: JSON as the renderer renders it by default (no
    `indent` or other parameter asked for), to somebody who sees published work only."""
    renderer = request.accepted_renderer
    return (
        published_cache.enabled()
        and isinstance(renderer, JSONRenderer)
        and request.accepted_media_type == renderer.media_type
        and not sees_unpublished(request.user)
    )


class CachedFeedMixin:
    """For a verdict feed's viewset, before DRF's ListModelMixin: `list` answers from the cache where it
    can."""

    get_renderer_context: Callable[[], dict[str, Any]]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The feed's answer to this URL as stored, else the view's, stored when it is a 200."""
        if not (_applies(request) and set(request.query_params) <= FEED_PARAMETERS):
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        signature = "|".join(
            (request.scheme or "", request.get_host(), request.get_full_path(), request.accepted_media_type)
        )
        try:
            stored, generation = published_cache.response_get(signature)
        except CACHE_ERRORS as error:
            cache_outage.failed(error)
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        cache_outage.answered()
        if stored is not None:
            return Response(RenderedJSON(stored))
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == 200:
            body = request.accepted_renderer.render(
                response.data, request.accepted_media_type, self.get_renderer_context()
            )
            response.data = RenderedJSON(body)
            try:
                # Tagged with the generation read before the view read the database: if published
                # content changed meanwhile, the generation has moved past it and it is never served.
                published_cache.response_store(signature, generation=generation, content=body)
            except CACHE_ERRORS as error:
                cache_outage.failed(error)
        return response


class CachedDocumentMixin:
    """For the verdict viewset, before DRF's RetrieveModelMixin: `retrieve` answers from the cache where it
    can; `cached_document` serves the ClaimReview action too."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cached = self.cached_document(request, kwargs.get("pk"), claimreview=False)
        if cached is not None:
            return cached
        return super().retrieve(request, *args, **kwargs)  # type: ignore[misc]

    def cached_document(self, request: Request, pk: Any, *, claimreview: bool) -> Response | None:
        """The verdict's document from its fragment, or None for the view to answer (not published, not
        such a caller, cache unreachable)."""
        from reviews.api.published_render import fragments_build, slots_for

        verdict_id = record_id(pk)
        if verdict_id is None or not _applies(request):
            return None
        try:
            fragment = published_cache.fragments_get([verdict_id]).get(verdict_id) or fragments_build(
                [verdict_id]
            ).get(verdict_id)
        except CACHE_ERRORS as error:
            cache_outage.failed(error)
            return None
        cache_outage.answered()
        if fragment is None:
            return None  # not published, or no such verdict: the view's 404
        parts = fragment.claimreview if claimreview else fragment.detail
        return Response(RenderedJSON(published_cache.assemble(parts, slots_for(request, verdict_id))))
