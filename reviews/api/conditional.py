"""Conditional GET for read views: pollers send the ETag back and get 304 while nothing changed."""

from __future__ import annotations

from typing import Any

from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from rest_framework import status
from rest_framework.request import Request


class ConditionalGetMixin:
    """For a DRF view: a 200 answer to GET carries a strong ETag (a hash of the body); a request whose
    `If-None-Match` matches gets 304 with no body. The body differs by caller (editors see more), hence
    Vary: Authorization; `no-cache` makes shared caches revalidate. `conditional_get` tells the schema
    (reviews.api.schema) to document the ETag and the 304."""

    conditional_get = True

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if request.method in ("GET", "HEAD") and response.status_code == status.HTTP_200_OK:
            patch_vary_headers(response, ("Authorization",))
            patch_cache_control(response, no_cache=True)
            response.render()
            set_response_etag(response)
            return get_conditional_response(request._request, etag=response.get("ETag"), response=response)
        return response
