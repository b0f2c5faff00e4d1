"""The desk's search boxes: full-text search through reviews.selectors_search, best match first."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from reviews.admin.base import DeskChangeList
from reviews.ids import record_id
from reviews.selectors_search import ORDERING, RANK, search_problem

_M = TypeVar("_M", bound=Model)


class FullTextSearchMixin(admin.ModelAdmin[_M]):
    """A changelist search is a full-text search (`search_matching`), ordered by relevance unless a column
    was chosen (`RankedChangeList`); a whole number also finds the row with that id when `search_by_id`.
    `search_fields` only turns the box on, and serves the autocomplete of other admins' forms, where
    people type the start of a word, which a full-text search would not find."""

    search_by_id = False

    def search_matching(self, queryset: QuerySet[_M], term: str, *, or_id: int | None) -> QuerySet[_M]:
        raise NotImplementedError

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[_M], search_term: str
    ) -> tuple[QuerySet[_M], bool]:
        if _autocomplete(request):
            return super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, False
        problem = search_problem(term)
        if problem is not None:
            self.message_user(request, problem, messages.ERROR)
        # Id 0 cannot exist: no row to add.
        or_id = (record_id(term) or None) if self.search_by_id else None
        return self.search_matching(queryset, term, or_id=or_id), False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RankedChangeList


class RankedChangeList(DeskChangeList):
    """Orders a searched list by relevance (the `search_rank` the search annotated), unless a column
    was chosen (`o`)."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        if RANK in queryset.query.annotations and ORDER_VAR not in self.params:
            return list(ORDERING)
        return super().get_ordering(request, queryset)


def _autocomplete(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.url_name == "autocomplete"
