"""The API's renderers: DRF's JSON renderer without bidirectional control characters (REST_FRAMEWORK's
default, and the published cache's), passing through bodies it rendered earlier, and its JSON-LD twin."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers

from reviews.payloads import json_without_bidi_controls


class RenderedJSON(bytes):
    """A body the JSON renderer rendered earlier (kept in the published cache)."""


class JSONRenderer(renderers.JSONRenderer):
    """The API's JSON renderer (REST_FRAMEWORK's default; the published cache's fragments too): DRF's,
    without bidirectional control characters, the one place every JSON answer passes. Rows stored before
    ingest and verdict validation removed or refused them cannot reorder what an API client displays
    ("this is false" shown as something else). A body it rendered earlier (RenderedJSON) is passed
    through as it is."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, RenderedJSON):
            return bytes(data)
        rendered: bytes = super().render(data, accepted_media_type, renderer_context)
        return json_without_bidi_controls(rendered)


class JSONLDRenderer(JSONRenderer):
    """The ClaimReview documents as `application/ld+json`, for clients that ask for JSON-LD by name."""

    media_type = "application/ld+json"
    format = "jsonld"
