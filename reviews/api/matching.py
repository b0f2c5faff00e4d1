"""Claims across articles over the API: a claim's matches and the conflicts between matched claims.

`GET /api/v1/claims/{id}/matches/` (an action of the claims viewset, `ClaimMatchesMixin`) and
`GET /api/v1/conflicts/` (`reviews.api.views.ConflictViewSet`, with the serializer and filters here).
Who sees what is decided in `reviews.selectors_matching`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.filters import IdFilter
from reviews.api.serializers import ErrorSerializer, PublishedVerdictSummarySerializer
from reviews.ids import record_id
from reviews.models import ClaimConflict, ConflictKind, MatchStatus
from reviews.selectors_matching import claim_matches_access, claim_matches_visible, match_rows

# --- serializers -------------------------------------------------------------------------------------


class MatchConflictSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices, help_text="What the two claims disagree on.")
    value = serializers.CharField(help_text="What the requested claim states.")
    other_value = serializers.CharField(help_text="What the matched claim states.")
    sentence = serializers.CharField(help_text="The sentence the requested claim's value was read from.")
    other_sentence = serializers.CharField(help_text="The sentence the matched claim's value was read from.")
    resolved = serializers.BooleanField()


class ClaimMatchSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The match.")
    claim = serializers.IntegerField(help_text="The matched claim's id.")
    article = serializers.IntegerField(help_text="The matched claim's article id.")
    similarity = serializers.FloatField(min_value=0.0, max_value=1.0, help_text="In [0, 1].")
    status = serializers.ChoiceField(choices=[MatchStatus.SUGGESTED, MatchStatus.CONFIRMED])
    verdict = PublishedVerdictSummarySerializer(
        allow_null=True, help_text="The matched claim's published verdict; null if none."
    )
    conflicts = MatchConflictSerializer(
        many=True,
        help_text="Facts the two claims disagree on (empty for callers who may not see conflicts).",
    )


class ConflictSerializer(serializers.ModelSerializer[ClaimConflict]):
    claim = serializers.IntegerField(source="claim_id", help_text="One claim of the matched pair.")
    other_claim = serializers.IntegerField(source="other_claim_id", help_text="The other claim.")
    article = serializers.IntegerField(source="article_id", help_text="`claim`'s article.")
    other_article = serializers.IntegerField(source="other_article_id", help_text="`other_claim`'s article.")
    match = serializers.IntegerField(source="match_id")

    class Meta:
        model = ClaimConflict
        fields = [
            "id",
            "match",
            "claim",
            "other_claim",
            "article",
            "other_article",
            "kind",
            "value",
            "other_value",
            "sentence",
            "other_sentence",
            "resolved",
            "resolution_note",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


# --- GET /api/v1/claims/{id}/matches/ ------------------------------------------------------------------


class ClaimMatchesMixin:
    """The `matches` action of the claims viewset. It finds the claim itself: a reviewer may read the
    matches of a claim they hold, which the claims list does not show them."""

    read_actions: ClassVar[frozenset[str]] = frozenset({"list", "retrieve", "matches"})

    @extend_schema(
        summary="The claims matched with this one in other articles",
        description=(
            "Each matched claim with its article, the similarity, its published verdict if any, and the "
            "conflicts between the two (each `kind`, `value` for this claim, `other_value` for the "
            "matched one). Editors see every match and conflict; a reviewer those of the claims they "
            "hold; everybody else only matches between claims that both have a published verdict, "
            "without conflicts. Best match first."
        ),
        responses={
            200: ClaimMatchSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description="No such claim, or not visible to you."),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="matches",
        serializer_class=ClaimMatchSerializer,
        filter_backends=[],
    )
    def matches(self, request: Request, pk: str | None = None) -> Response:
        claim_id = record_id(pk)
        access = None if claim_id is None else claim_matches_access(user=request.user, claim_id=claim_id)
        if access is None:
            raise NotFound("No claim with this id (or not visible to you).")
        view: Any = self
        page = view.paginate_queryset(claim_matches_visible(access=access))
        rows = match_rows(access=access, matches=list(page))
        return view.get_paginated_response(view.get_serializer(rows, many=True).data)


# --- GET /api/v1/conflicts/ -------------------------------------------------------------------------


class _ResolvedFilter(django_filters.ChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in ("", None):
            return qs
        return qs.filter(resolved=value == "true")


class ConflictFilter(django_filters.FilterSet):
    article = IdFilter(method="filter_article", help_text="Either claim belongs to this article.")
    kind = django_filters.ChoiceFilter(choices=ConflictKind.choices, help_text="What the claims disagree on.")
    resolved = _ResolvedFilter(help_text="`true` or `false`.")

    class Meta:
        model = ClaimConflict
        fields: list[str] = []

    def filter_article(
        self, queryset: QuerySet[ClaimConflict], name: str, value: int
    ) -> QuerySet[ClaimConflict]:
        return queryset.filter(Q(match__claim__article_id=value) | Q(match__other_claim__article_id=value))
