"""`/api/v1/scorecards/`: per-article scorecards as JSON, read-only.

Anonymous callers and API consumers see the scorecards of articles with at least one published verdict;
editors (`reviews.roles.is_editor`) see every scorecard. The rule lives in
`reviews.selectors_scorecards.scorecards_visible`, shared with the HTML page. A scorecard is looked up by
its article's id, since that is what clients hold.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from reviews.api.conditional import ConditionalGetMixin
from reviews.api.serializers import ErrorSerializer
from reviews.exceptions import NotFound
from reviews.models import Scorecard
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.selectors_scorecards import scorecards_visible

NOT_FOUND_MESSAGE = "This article has no scorecard, or it is not public yet."
MAX_ID = 2**63 - 1  # bigint: larger ids cannot exist, and the database would refuse to compare them


class ClaimCountsSerializer(serializers.Serializer[dict[str, Any]]):
    sentences = serializers.IntegerField(help_text="Sentences scored in the article, claims included.")
    found = serializers.IntegerField(source="claims_found", help_text="Check-worthy claims.")
    queued = serializers.IntegerField(help_text="Claims waiting in the review queue.")
    in_review = serializers.IntegerField(help_text="Claims a reviewer holds, or submitted or returned.")
    published = serializers.IntegerField(help_text="Claims with a published verdict.")
    not_in_review = serializers.IntegerField(
        help_text="Claims with neither a published verdict nor an open review task (e.g. retracted)."
    )


class VerdictMixSerializer(serializers.Serializer[dict[str, Any]]):
    rating = serializers.SlugField(help_text="The rating's slug.")
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Published verdicts with this rating.")
    rating_value = serializers.IntegerField()
    worst_rating = serializers.IntegerField()
    best_rating = serializers.IntegerField()
    counts_toward_score = serializers.BooleanField()


class AccuracySerializer(serializers.Serializer[dict[str, Any]]):
    score = serializers.FloatField(
        allow_null=True, min_value=0, max_value=100, help_text=f"0-100, or null. {ACCURACY_DEFINITION}"
    )
    counted_verdicts = serializers.IntegerField(help_text="Published verdicts the score is based on.")
    uncounted_verdicts = serializers.IntegerField(
        help_text="Published verdicts whose rating does not count toward the score."
    )
    definition = serializers.CharField(help_text="How the score is computed, to show next to it.")


class DomainCountSerializer(serializers.Serializer[dict[str, Any]]):
    domain = serializers.CharField()
    citations = serializers.IntegerField()


class PublisherCountSerializer(serializers.Serializer[dict[str, Any]]):
    publisher = serializers.CharField()
    citations = serializers.IntegerField()


class WorstRatedSerializer(serializers.Serializer[dict[str, Any]]):
    claim_id = serializers.IntegerField()
    sentence_index = serializers.IntegerField()
    text = serializers.CharField(help_text="The claim (at most 300 characters).")
    verdict_id = serializers.IntegerField()
    rating = serializers.SlugField()
    rating_name = serializers.CharField()


class ScorecardSerializer(serializers.ModelSerializer[Scorecard]):
    article = serializers.IntegerField(source="article_id", help_text="The article's id.")
    article_title = serializers.CharField(source="article.title")
    version = serializers.IntegerField(help_text="Grows by one with every change of content.")
    built_at = serializers.DateTimeField(help_text="When the scorecard was last built or verified.")
    is_stale = serializers.BooleanField(
        help_text="The article changed after this build; a newer version is on its way."
    )
    claims = ClaimCountsSerializer(source="data")
    coverage = serializers.FloatField(
        source="data.coverage",
        allow_null=True,
        help_text="Share of check-worthy claims with a published verdict (0-1); null without claims.",
    )
    accuracy = AccuracySerializer(source="data.accuracy")
    verdict_mix = VerdictMixSerializer(source="data.verdict_mix", many=True, help_text="In scale order.")
    top_domains = DomainCountSerializer(source="data.top_domains", many=True)
    top_publishers = PublisherCountSerializer(source="data.top_publishers", many=True)
    worst_rated = WorstRatedSerializer(
        source="data.worst_rated", many=True, help_text="Lowest rated first; ratings below the top only."
    )
    median_seconds_to_publication = serializers.FloatField(
        source="data.median_seconds_to_publication",
        allow_null=True,
        help_text="Median time from a claim's first review task to its first publication.",
    )
    open_conflicts = serializers.IntegerField(
        source="data.open_conflicts",
        default=0,
        help_text=(
            "Facts this article's claims and matched claims of other articles disagree on, not yet "
            "resolved by an editor (a count only: the conflicts themselves are for editors and reviewers)."
        ),
    )

    class Meta:
        model = Scorecard
        fields = [
            "article",
            "article_title",
            "version",
            "built_at",
            "is_stale",
            "claims",
            "coverage",
            "accuracy",
            "verdict_mix",
            "top_domains",
            "top_publishers",
            "worst_rated",
            "median_seconds_to_publication",
            "open_conflicts",
        ]
        read_only_fields = fields


class _IdFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ScorecardFilter(django_filters.FilterSet):
    article = _IdFilter(
        field_name="article_id", min_value=1, max_value=MAX_ID, help_text="Only this article's scorecard."
    )

    class Meta:
        model = Scorecard
        fields: list[str] = []


_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such article, no scorecard yet, or not visible to the caller."
)


@extend_schema_view(
    list=extend_schema(
        summary="List scorecards",
        description=(
            "Scorecards of articles with at least one published verdict (editors: every article), newest "
            "article first. Filter with `?article={id}`."
        ),
        responses={200: ScorecardSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="One article's scorecard",
        parameters=[
            OpenApiParameter("article_id", int, OpenApiParameter.PATH, description="The article's id.")
        ],
        responses={200: ScorecardSerializer, 404: _NOT_FOUND},
    ),
)
class ScorecardViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet[Scorecard]):
    """Per-article scorecards, rebuilt by Celery workers whenever the article's review state changes.
    Pollers send the ETag back (`If-None-Match`) and get 304 until the next rebuild changes it."""

    permission_classes = [AllowAny]  # read-only; visibility is decided by the queryset
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    lookup_field = "article_id"
    lookup_url_kwarg = "article_id"
    lookup_value_regex = "[0-9]{1,19}"

    def get_queryset(self) -> QuerySet[Scorecard]:
        return scorecards_visible(user=self.request.user).order_by("-article_id")

    def get_object(self) -> Scorecard:
        try:
            return super().get_object()
        except Http404:
            # Hidden and missing look the same from outside.
            raise NotFound(NOT_FOUND_MESSAGE) from None
