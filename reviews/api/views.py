from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.permissions import CanIngest
from reviews.api.serializers import ArticleStatusSerializer, ArticleSubmitSerializer
from reviews.models import Article, ClaimStatus
from reviews.services.articles import article_submit


class ArticleViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Article]):
    """Articles. Editors submit text here; extraction runs on a Celery worker."""

    permission_classes = [CanIngest]
    serializer_class = ArticleStatusSerializer

    def get_queryset(self) -> QuerySet[Article]:
        return Article.objects.annotate(
            claim_count=Count("claims", filter=Q(claims__status=ClaimStatus.CLAIM))
        )

    @extend_schema(
        request=ArticleSubmitSerializer,
        responses={
            202: OpenApiResponse(ArticleStatusSerializer, description="Accepted; extraction is queued."),
            200: OpenApiResponse(ArticleStatusSerializer, description="The same text was already ingested."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ArticleSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        outcome = article_submit(
            data=str(data["text"]),
            content_type=data.get("content_type"),
            source_url=str(data.get("source_url") or ""),
            actor=request.user,
        )
        body = dict(ArticleStatusSerializer(outcome.article).data)
        body["duplicate"] = not outcome.created
        location = request.build_absolute_uri(f"{outcome.article.pk}/")
        code = status.HTTP_202_ACCEPTED if outcome.created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": location})
