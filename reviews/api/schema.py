"""OpenAPI: the error responses every operation can give, described once from what the view does.

`reviews.api.errors` gives every error the same JSON shape (`ErrorSerializer`); this schema class adds
that response, with the status codes the operation can actually produce, to each operation that does not
describe the code itself (an `@extend_schema(responses={409: ...})` on an action wins):

- 401, 429 and 503 everywhere: a bad token is refused on any endpoint, every endpoint is throttled,
  and a database or broker that cannot be reached is a 503 with `Retry-After` (reviews.api.errors);
- 400 where the operation takes query parameters or a body; 404 where it has a path parameter or
  numbered pages; 403 where the permission is not AllowAny, and on every unsafe method (CSRF).

Views with `conditional_get = True` answer `If-None-Match` with 304; their 200s carry an `ETag`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a query parameter or a body field is wrong (see `errors`).",
    "401": "Authentication failed (a wrong or inactive token), or this operation needs a token.",
    "403": "Permission denied: your account may not do this.",
    "404": "Not found, or not visible to you (unpublished work is visible to editors only).",
    "429": "Too many requests for this token (or address, without one); retry after `Retry-After` s.",
    "503": "A service this needs (the database, or the task queue) is unreachable; retry after "
    "`Retry-After` s.",
}


class ApiSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["401", "429", "503"]
        has_query = bool(self._get_filter_parameters() or self._get_pagination_parameters())
        has_body = self.method in ("POST", "PUT", "PATCH")
        if has_query or has_body:
            codes.append("400")
        # `?format=` naming no renderer is a 404 too (DRF's URL format override).
        if "{" in self.path or self._paginator_has_pages() or self._get_format_parameters():
            codes.append("404")
        if self.method not in ("GET", "HEAD", "OPTIONS") or not self._allows_anyone():
            codes.append("403")
        return sorted(codes)

    def _allows_anyone(self) -> bool:
        try:
            permissions = self.view.get_permissions()
        except Exception:  # a view that cannot say is described as restricted
            return False
        return all(isinstance(permission, AllowAny) for permission in permissions)

    def _paginator_has_pages(self) -> bool:
        paginator = self._get_paginator()
        return bool(paginator and self._is_list_view() and getattr(paginator, "page_query_param", None))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        from reviews.api.serializers import ErrorSerializer

        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code
                )
        if self.method == "GET" and getattr(self.view, "conditional_get", False) and "200" in responses:
            etag = {"schema": {"type": "string"}, "description": "Send it back in `If-None-Match`."}
            responses["200"].setdefault("headers", {})["ETag"] = etag
            responses.setdefault(
                "304", {"description": "Not modified: the `If-None-Match` ETag still matches."}
            )
        return dict(sorted(responses.items()))
