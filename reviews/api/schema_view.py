"""The view of `/api/schema/` (kept out of reviews.api.schema: drf-spectacular's views module imports the
schema class that module defines, through DRF's settings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """`/api/schema/`: the OpenAPI document, and its errors as the API's JSON errors. drf-spectacular's
    view rendered an error (`?format=xml` 404, a POST 405, an `Accept` it cannot serve 406) with its
    first renderer, as YAML labelled `application/vnd.oai.openapi`, as if it were the document."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
