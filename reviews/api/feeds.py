"""Feeds in the API, for editors only (`/api/v1/feeds/`): register an RSS/Atom feed (fetched once to check
that it is one: a page that is no feed, or a refused URL, is a 400 with the reason and nothing stored),
list and read feeds with their failures, set or clear a feed's claim threshold (PATCH), and poll one now.
The desk offers the same (reviews/admin/feeds.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.pagination import PagePagination
from reviews.api.permissions import editors_only
from reviews.api.serializers import ErrorSerializer
from reviews.ids import record_id
from reviews.models import Feed
from reviews.selectors_feeds import feed_get, feeds_all
from reviews.services.feeds import feed_poll_now, feed_register, feed_threshold_set

NOT_FOUND = "No feed with this id."


def _claim_threshold() -> serializers.FloatField:
    return serializers.FloatField(
        min_value=0.0,
        max_value=1.0,
        allow_null=True,
        required=False,
        help_text=(
            "Sentences scoring at or above it become claims, for articles first submitted from this feed "
            "(over their source's threshold and the default; docs/extraction.md). null: none."
        ),
    )


class FeedRegisterSerializer(serializers.Serializer[dict[str, object]]):
    url = serializers.URLField(max_length=2000, help_text="The RSS or Atom feed's http(s) URL.")
    title = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="The feed's own title when omitted."
    )
    is_active = serializers.BooleanField(default=True, help_text="Polled by the beat sweep while true.")
    claim_threshold = _claim_threshold()


class FeedThresholdSerializer(serializers.Serializer[dict[str, object]]):
    claim_threshold = _claim_threshold()


class FeedSerializer(serializers.ModelSerializer[Feed]):
    class Meta:
        model = Feed
        fields = [
            "id",
            "url",
            "title",
            "is_active",
            "claim_threshold",
            "next_poll_at",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "consecutive_failures",
            "items_seen",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"claim_threshold": {"help_text": "The feed's claim threshold; null: none."}}


@extend_schema_view(
    list=extend_schema(summary="List feeds (editors)"),
    retrieve=extend_schema(
        summary="One feed (editors)", description="With why its last poll failed, if it did."
    ),
)
class FeedViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Feed]
):
    """RSS/Atom feeds whose new items are ingested as articles (docs/ingest.md)."""

    serializer_class = FeedSerializer
    pagination_class = PagePagination
    queryset = feeds_all()

    def get_permissions(self) -> list[BasePermission]:
        return [editors_only("Only editors can manage feeds.")]

    def get_object(self) -> Feed:
        feed_id = record_id(str(self.kwargs.get("pk", "")))
        feed = feed_get(feed_id=feed_id) if feed_id is not None else None
        if feed is None:
            raise NotFound(NOT_FOUND)
        return feed

    @extend_schema(
        summary="Register a feed (editors)",
        request=FeedRegisterSerializer,
        responses={
            201: FeedSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Not a feed, a refused URL, or already registered; nothing stored.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = FeedRegisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        feed = feed_register(
            url=str(data["url"]),
            title=str(data.get("title") or ""),
            is_active=bool(data["is_active"]),
            claim_threshold=data.get("claim_threshold"),
            editor=request.user,  # type: ignore[arg-type]
        )
        return Response(FeedSerializer(feed).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set a feed's claim threshold (editors)",
        description="Applies to extractions from now on; re-extract an article to apply it to that article.",
        request=FeedThresholdSerializer,
        responses={
            200: FeedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not a number in [0, 1]; nothing changed."),
            404: OpenApiResponse(ErrorSerializer, description="No such feed."),
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        feed = self.get_object()
        payload = FeedThresholdSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if "claim_threshold" in payload.validated_data:  # a PATCH without it changes nothing
            feed = feed_threshold_set(
                feed_id=feed.pk,
                claim_threshold=payload.validated_data["claim_threshold"],
                editor=request.user,  # type: ignore[arg-type]
            )
        return Response(FeedSerializer(feed).data)

    @extend_schema(
        summary="Poll a feed now (editors)",
        request=None,
        responses={
            202: OpenApiResponse(FeedSerializer, description="The poll is queued."),
            400: OpenApiResponse(ErrorSerializer, description="The feed is not active."),
            404: OpenApiResponse(ErrorSerializer, description="No such feed."),
        },
    )
    @action(detail=True, methods=["post"])
    def poll(self, request: Request, pk: str | None = None) -> Response:
        feed = feed_poll_now(feed_id=self.get_object().pk, editor=request.user)  # type: ignore[arg-type]
        return Response(FeedSerializer(feed).data, status=status.HTTP_202_ACCEPTED)
