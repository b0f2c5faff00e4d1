"""Pagination for every list: numbered pages, and keyset cursors for the verdict and ClaimReview feeds.

Both refuse bad input with a 400 naming the parameter (never a 500, never a silent fallback): a page or
page size that is not a whole number in range, a cursor that was not made by this API for this ordering.

The keyset cursor carries the sort key of the last row seen (for example its `published_at` and `id`),
not an offset, so a page costs one index range scan however deep the reader is, and rows published while
an aggregator crawls do not shift the pages it has not read yet. NULL sorts as larger than every value
(PostgreSQL's default, so `(status, -published_at)` indexes serve `DESC` orderings as they are).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from reviews.selectors_search import is_capped

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def _query_int(request: Request, name: str, *, default: int, minimum: int, maximum: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise serializers.ValidationError({name: ["A valid integer is required."]}) from None
    if value < minimum:
        raise serializers.ValidationError(
            {name: [f"Ensure this value is greater than or equal to {minimum}."]}
        )
    if maximum is not None and value > maximum:
        raise serializers.ValidationError({name: [f"Ensure this value is less than or equal to {maximum}."]})
    return value


def _page_size_parameter() -> dict[str, Any]:
    return {
        "name": "page_size",
        "required": False,
        "in": "query",
        "description": f"Results per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    }


class PagePagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, with the total count. For the small resources (articles, claims, ratings)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # Out of range is "no such page" (404); not a whole number at all is a 400 (see get_page_number).
    invalid_page_message = "Invalid page."

    def get_page_size(self, request: Request) -> int:
        return _query_int(
            request, self.page_size_query_param, default=self.page_size, minimum=1, maximum=self.max_page_size
        )

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> Any:
        self.request = request
        page_size = self.get_page_size(request)
        number = _query_int(request, self.page_query_param, default=1, minimum=1, maximum=None)
        base = _searched_from(queryset, view)
        # A search's answer is capped (reviews.selectors_search): its ordered ids are one statement
        # without joins, which gives the count too; only the page's rows are then read in full.
        paginator = self.django_paginator_class(
            queryset if base is None else list(queryset.values_list("pk", flat=True)), page_size
        )
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise NotFound(self.invalid_page_message) from None
        if base is None:
            return list(self.page)
        return _rows(base, dict.fromkeys(self.page, ()), [])

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1 (404 past the last page).",
                "schema": {"type": "integer", "minimum": 1},
            },
            _page_size_parameter(),
        ]


@dataclass(frozen=True, slots=True)
class _Key:
    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class _Cursor:
    keys: tuple[str, ...]  # the ordering the cursor was made for, e.g. ("-published_at", "-id")
    values: tuple[Any, ...]  # the sort key of the row the page starts after (or before, if reverse)
    reverse: bool


class KeysetCursorPagination(pagination.BasePagination):
    """`?cursor=...&page_size=M`, following `next` and `previous` links; no total count.

    The ordering comes from `?ordering=` (the view's OrderingFilter) or the view's `ordering`; `id` is
    appended as the tiebreaker so the sort key is unique. Only the model's own columns can be sort keys.
    """

    cursor_query_param = "cursor"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = "Invalid cursor."

    def __init__(self) -> None:
        self.request: Request | None = None
        self.next_cursor: _Cursor | None = None
        self.previous_cursor: _Cursor | None = None

    # --- the page ---------------------------------------------------------------------------------

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.request = request
        page_size = _query_int(
            request, "page_size", default=self.page_size, minimum=1, maximum=self.max_page_size
        )
        keys = self._keys(request, queryset, view)
        cursor = self._decode(request, queryset, keys)
        reverse = cursor.reverse if cursor else False

        order = [self._order_by(key, reverse=reverse) for key in keys]
        queryset = queryset.order_by(*order)
        if cursor is not None:
            queryset = queryset.filter(self._after(keys, cursor.values, reverse=reverse))
        base = _searched_from(queryset, view)
        if base is None:
            rows = list(queryset[: page_size + 1])
        else:
            # As in PagePagination: sort the search's few ids alone (with the sort keys the cursors
            # carry, relevance among them), then read the page's rows in full.
            fields = [key.field for key in keys]
            found = queryset.values_list("pk", *fields)[: page_size + 1]
            rows = _rows(base, {row[0]: row[1:] for row in found}, fields)
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        if reverse:
            rows.reverse()

        signature = tuple(("-" if key.descending else "") + key.field for key in keys)
        first, last = (rows[0], rows[-1]) if rows else (None, None)
        # Going forward there is a previous page whenever we came from a cursor; going back, there is a
        # next page (the one we came from). The other direction is known from the extra row fetched.
        has_next = has_more if not reverse else True
        has_previous = (cursor is not None) if not reverse else has_more
        self.next_cursor = (
            _Cursor(signature, self._values(last, keys), reverse=False)
            if has_next and last is not None
            else None
        )
        self.previous_cursor = (
            _Cursor(signature, self._values(first, keys), reverse=True)
            if has_previous and first is not None
            else None
        )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            OrderedDict(
                [("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)]
            )
        )

    def get_next_link(self) -> str | None:
        return self._link(self.next_cursor)

    def get_previous_link(self) -> str | None:
        return self._link(self.previous_cursor)

    # --- ordering and keyset conditions -----------------------------------------------------------

    def _keys(self, request: Request, queryset: QuerySet[Any], view: APIView | None) -> list[_Key]:
        ordering: list[str] = []
        for backend in getattr(view, "filter_backends", ()):
            if hasattr(backend, "get_ordering"):
                ordering = list(backend().get_ordering(request, queryset, view) or [])
                break
        if not ordering:
            ordering = list(getattr(view, "ordering", None) or ["-id"])
        keys = [_Key(term.removeprefix("-"), term.startswith("-")) for term in ordering]
        if not any(key.field in ("id", "pk") for key in keys):
            keys.append(_Key("id", keys[-1].descending))
        return keys

    @staticmethod
    def _order_by(key: _Key, *, reverse: bool) -> OrderBy:
        descending = key.descending != reverse
        # NULL is the largest value, in both directions: last ascending, first descending.
        if descending:
            return F(key.field).desc(nulls_first=True)
        return F(key.field).asc(nulls_last=True)

    @staticmethod
    def _after(keys: list[_Key], values: tuple[Any, ...], *, reverse: bool) -> Q:
        """Rows strictly after `values` in the (possibly reversed) ordering of `keys`."""
        condition = Q(pk__in=[])
        equal_so_far = Q()
        for key, value in zip(keys, values, strict=True):
            descending = key.descending != reverse
            if value is None:
                # NULL is largest: descending, every non-NULL comes after it; ascending, nothing does.
                after = Q(**{f"{key.field}__isnull": False}) if descending else Q(pk__in=[])
                same = Q(**{f"{key.field}__isnull": True})
            else:
                lookup = "lt" if descending else "gt"
                after = Q(**{f"{key.field}__{lookup}": value})
                if not descending:
                    after |= Q(**{f"{key.field}__isnull": True})
                same = Q(**{key.field: value})
            condition |= equal_so_far & after
            equal_so_far &= same
        return condition

    @staticmethod
    def _values(row: Model | dict[str, Any], keys: list[_Key]) -> tuple[Any, ...]:
        # Model instances, or the plain rows of a `.values()` queryset.
        if isinstance(row, dict):
            return tuple(row[key.field] for key in keys)
        return tuple(getattr(row, key.field) for key in keys)

    # --- cursor encoding --------------------------------------------------------------------------

    def _link(self, cursor: _Cursor | None) -> str | None:
        if cursor is None or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        payload = json.dumps(
            {"k": list(cursor.keys), "v": [_dump(v) for v in cursor.values], "r": int(cursor.reverse)},
            separators=(",", ":"),
        )
        encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return replace_query_param(url, self.cursor_query_param, encoded)

    def _decode(self, request: Request, queryset: QuerySet[Any], keys: list[_Key]) -> _Cursor | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        signature = tuple(("-" if key.descending else "") + key.field for key in keys)
        try:
            if len(raw) > 1000:
                raise ValueError("too long")
            payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
            if not isinstance(payload, dict) or tuple(payload.get("k") or ()) != signature:
                raise ValueError("made for another ordering")
            values = payload["v"]
            if not isinstance(values, list) or len(values) != len(keys) or payload.get("r") not in (0, 1):
                raise ValueError("malformed")
            parsed = tuple(
                None if value is None else _utc(_column(queryset, key.field).to_python(value))
                for key, value in zip(keys, values, strict=True)
            )
        except (
            ValueError,
            TypeError,
            KeyError,
            OverflowError,
            binascii.Error,
            DjangoValidationError,
            FieldDoesNotExist,
        ):
            raise serializers.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        return _Cursor(signature, parsed, reverse=bool(payload["r"]))

    # --- schema -----------------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last one."},
                "previous": {**link, "description": "The previous page, or null on the first one."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a `next` or `previous` link, for the same ordering.",
                "schema": {"type": "string"},
            },
            _page_size_parameter(),
        ]


def _searched_from(queryset: QuerySet[Any], view: APIView | None) -> QuerySet[Any] | None:
    """The view's own queryset (what the caller may see, with its joins and prefetches) when `queryset`
    is a full-text search's capped answer; None otherwise.

    The page's rows are read from it by id, not from the search's answer: that one already holds a list
    of up to MAX_RANKED ids, and two id lists on one column make PostgreSQL's planner expect their
    product of index probes and read the whole table instead.
    """
    get_queryset = getattr(view, "get_queryset", None)
    if get_queryset is None or not is_capped(queryset):
        return None
    base: QuerySet[Any] = get_queryset()
    return base


def _rows(base: QuerySet[Any], keys: dict[Any, tuple[Any, ...]], fields: list[str]) -> list[Any]:
    """The rows of `base` with the ids `keys` holds, in that order, each given the sort key values it
    was ordered by (`fields`: a search's relevance is not a column of `base`)."""
    found = {row.pk: row for row in base.filter(pk__in=list(keys))}
    rows = []
    for pk, values in keys.items():
        row = found.get(pk)
        if row is not None:  # gone since the ids were read
            for field, value in zip(fields, values, strict=True):
                setattr(row, field, value)
            rows.append(row)
    return rows


def _column(queryset: QuerySet[Any], name: str) -> Field[Any, Any]:
    # A search's relevance (reviews.selectors_search) is an annotation, not a column.
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    field = queryset.model._meta.get_field(name)
    if not isinstance(field, Field):  # a relation or generic key cannot be a sort key
        raise FieldDoesNotExist(name)
    return field


def _utc(value: Any) -> Any:
    # A forged cursor may carry an offset PostgreSQL refuses (beyond 15:59); ours are always UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _dump(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str | bool):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
