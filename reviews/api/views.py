"""The REST API's viewsets: articles, claims, verdicts, ratings and the ClaimReview feed.

Reads are open to everybody, anonymous included: what each caller sees is decided by the selectors in
`reviews.selectors_public` (editors see all work, everybody else published verdicts and what they belong
to). Every other action of a viewset needs its `write_permission_classes` (editors), so an action added
later is closed until it says otherwise.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from reviews.api.cached_reads import CachedDocumentMixin, CachedFeedMixin
from reviews.api.conditional import ConditionalGetMixin
from reviews.api.editorial import VerdictEditorialMixin
from reviews.api.filters import (
    ArticleFilter,
    ClaimFilter,
    FilterBackend,
    PublishedVerdictFilter,
    RatingFilter,
    StrictOrderingFilter,
    VerdictFilter,
)
from reviews.api.matching import ClaimMatchesMixin, ConflictFilter, ConflictSerializer
from reviews.api.pagination import KeysetCursorPagination, PagePagination
from reviews.api.permissions import CanIngest, CanPublish, editors_only
from reviews.api.renderers import JSONLDRenderer, JSONRenderer
from reviews.api.serializers import (
    ArticleSerializer,
    ArticleSubmitSerializer,
    ArticleSubmittedSerializer,
    ClaimReviewSerializer,
    ClaimSerializer,
    ErrorSerializer,
    RatingSerializer,
    VerdictSerializer,
)
from reviews.ids import record_id
from reviews.models import Article, Claim, ClaimConflict, RatingLabel, Verdict
from reviews.selectors_matching import conflicts_visible
from reviews.selectors_public import (
    articles_visible,
    claimreviews_published,
    claims_visible,
    ratings_list,
    verdicts_visible,
)
from reviews.services.article_urls import article_submit_url
from reviews.services.articles import article_extract_retry, article_submit
from reviews.workflow import refusals_described

_M = TypeVar("_M", bound=Model)


class PublicReadViewSet(ConditionalGetMixin, viewsets.GenericViewSet[_M]):
    """Base of the read API: open reads, closed writes, filters, pagination and conditional GET
    (reviews.api.conditional)."""

    not_found_message = "Not found."
    read_actions: ClassVar[frozenset[str]] = frozenset({"list", "retrieve"})
    write_permission_classes: ClassVar[list[type[BasePermission]]] = [CanPublish]
    filter_backends = [FilterBackend, StrictOrderingFilter]
    pagination_class: type[BasePagination] | None = PagePagination

    def get_permissions(self) -> list[BasePermission]:
        # No action (a method the view does not have) passes, so the caller gets 405, not 401/403.
        if self.action is None or self.action in self.read_actions or self.action == "metadata":
            return [AllowAny()]
        return [permission() for permission in self.write_permission_classes]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Filters and ordering apply to lists; a detail is found by its id alone (and sooner).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def handle_exception(self, exc: Exception) -> Response:
        # reviews.api.errors shapes APIExceptions; Django's Http404 (get_object_or_404) becomes one here
        # so a missing row answers {"detail", "code": "not_found", "errors"} like every other error.
        if isinstance(exc, Http404):
            exc = NotFound(self.not_found_message)
        return super().handle_exception(exc)


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        description="Articles with at least one published verdict (editors: all articles, every status).",
    ),
    retrieve=extend_schema(summary="One article", description="Editors also see pending and failed ones."),
)
class ArticleViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicReadViewSet[Article]
):
    """Articles. Editors submit text here; extraction runs on a Celery worker."""

    write_permission_classes: ClassVar[list[type[BasePermission]]] = [CanIngest]
    not_found_message = "No article with this id (or not visible to you)."
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    ordering_fields = ["created_at", "published_on", "title", "id"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Article]:
        return articles_visible(user=self.request.user)

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "retry":
            return [editors_only("Only editors can retry extractions.")]
        return super().get_permissions()

    @extend_schema(
        summary="Submit an article (editors)",
        request=ArticleSubmitSerializer,
        responses={
            202: OpenApiResponse(ArticleSubmittedSerializer, description="Accepted; extraction is queued."),
            200: OpenApiResponse(
                ArticleSubmittedSerializer, description="The same text was already ingested."
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ArticleSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "url" in data:
            outcome = article_submit_url(url=str(data["url"]), actor=request.user)
        else:
            outcome = article_submit(
                data=str(data["text"]),
                content_type=data.get("content_type"),
                source_url=str(data.get("source_url") or ""),
                actor=request.user,
            )
        article = self.get_queryset().get(pk=outcome.article.pk)
        article.duplicate = not outcome.created  # type: ignore[attr-defined]
        body = ArticleSubmittedSerializer(article).data
        # The router accepts both spellings; the canonical URL ends with a slash, as in the schema.
        location = request.build_absolute_uri(reverse("article-detail", args=[article.pk]).rstrip("/") + "/")
        code = status.HTTP_202_ACCEPTED if outcome.created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": location})

    @extend_schema(
        summary="Retry a failed extraction (editors)",
        description=(
            "Puts a failed article back to `pending` with its attempts counted from zero and queues its "
            "extraction on a worker (an article whose extraction kept stopping its worker is failed after "
            "FACTCHECK_EXTRACT_MAX_ATTEMPTS runs, with the reason in `failure_reason`). 409 unless failed."
        ),
        request=None,
        responses={
            202: OpenApiResponse(ArticleSerializer, description="Accepted; extraction is queued."),
            401: OpenApiResponse(ErrorSerializer, description="No token, or a wrong or inactive one."),
            403: OpenApiResponse(ErrorSerializer, description=f"Not an editor: “{CanPublish.message}”"),
            404: OpenApiResponse(ErrorSerializer, description="No such article."),
            409: OpenApiResponse(ErrorSerializer, description=refusals_described("article.extract_retry")),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        article_id = record_id(str(pk))
        if article_id is None:
            raise NotFound(self.not_found_message)
        article_extract_retry(article_id=article_id, actor=request.user)
        fresh = self.get_queryset().get(pk=article_id)
        return Response(ArticleSerializer(fresh).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Claims with a published verdict, which each carries (editors: every scored sentence).",
    ),
    retrieve=extend_schema(summary="One claim, with its latest published verdict"),
)
class ClaimViewSet(
    ClaimMatchesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicReadViewSet[Claim]
):
    not_found_message = "No claim with this id (or not visible to you)."
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["score", "created_at", "id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Claim]:
        return claims_visible(user=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List verdicts (the feed)",
        description=(
            "Published verdicts, newest first, with cursor pagination: follow `next`. Editors also see "
            "drafts, submissions, returned, superseded and retracted versions (filter with `status`)."
        ),
    ),
    retrieve=extend_schema(
        summary="One verdict",
        description="A version of a verdict; `previous` and `superseded_by` link the corrections.",
    ),
)
class VerdictViewSet(
    CachedFeedMixin,
    CachedDocumentMixin,
    VerdictEditorialMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PublicReadViewSet[Verdict],
):
    """Verdicts: read by everybody (published only, except for editors); the editors' desk acts on them.

    Editors' actions (PATCH, publish, return, correct, retract) come from `VerdictEditorialMixin`
    (reviews.api.editorial). They are closed to everybody but editors (`write_permission_classes`),
    `get_object()` finds any verdict in any state for an editor, and errors from the services map to
    HTTP in reviews.api.errors (InvalidTransition -> 409). Callers who see published work only are
    answered from the published cache where it has the answer (reviews.api.cached_reads).
    """

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    read_actions: ClassVar[frozenset[str]] = frozenset({"list", "retrieve", "claimreview"})
    write_permission_classes: ClassVar[list[type[BasePermission]]] = [CanPublish]
    not_found_message = "No verdict with this id (or not visible to you)."
    serializer_class = VerdictSerializer
    filterset_class = VerdictFilter
    pagination_class = KeysetCursorPagination
    ordering_fields = ["published_at", "created_at", "id"]
    ordering = ["-published_at"]

    def get_queryset(self) -> QuerySet[Verdict]:
        if self.action == "claimreview":
            return claimreviews_published()
        return verdicts_visible(user=self.request.user)

    @extend_schema(
        summary="One published verdict as schema.org ClaimReview (JSON-LD)",
        description=(
            "The document fact-checkers embed in their pages for search engines; 404 unless the verdict "
            "is published (for editors too). `Accept: application/ld+json` gets that media type."
        ),
        responses=ClaimReviewSerializer,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="claimreview",
        serializer_class=ClaimReviewSerializer,
        renderer_classes=[JSONRenderer, JSONLDRenderer],
        not_found_message="No published verdict with this id.",
        filter_backends=[],
        pagination_class=None,
    )
    def claimreview(self, request: Request, pk: str | None = None) -> Response:
        cached = self.cached_document(request, pk, claimreview=True)
        return cached if cached is not None else Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(summary="The rating scale", description="Each rating with its ClaimReview mapping."),
    retrieve=extend_schema(summary="One rating, by slug"),
)
class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicReadViewSet[RatingLabel]):
    serializer_class = RatingSerializer
    filterset_class = RatingFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    not_found_message = "No rating with this slug."
    ordering_fields = ["order", "rating_value", "slug"]
    ordering = ["order"]

    def get_queryset(self) -> QuerySet[RatingLabel]:
        return ratings_list()


@extend_schema_view(
    list=extend_schema(
        summary="ClaimReview feed",
        description=(
            "Every published verdict as schema.org ClaimReview JSON-LD, newest first, for aggregators. "
            "Cursor pagination: follow `next`; send `If-None-Match` to poll cheaply."
        ),
    )
)
class ClaimReviewViewSet(CachedFeedMixin, mixins.ListModelMixin, PublicReadViewSet[Verdict]):
    serializer_class: type[BaseSerializer[Any]] = ClaimReviewSerializer
    renderer_classes = [JSONRenderer, JSONLDRenderer]
    filterset_class = PublishedVerdictFilter
    pagination_class = KeysetCursorPagination
    ordering_fields = ["published_at", "id"]
    ordering = ["-published_at"]

    def get_queryset(self) -> QuerySet[Verdict]:
        return claimreviews_published()


@extend_schema_view(
    list=extend_schema(
        summary="List conflicts between matched claims",
        description=(
            "Facts that two matched claims of different articles disagree on (`value` is `claim`'s, "
            "`other_value` is `other_claim`'s), newest first. Editors see all; a reviewer those of the "
            "claims they hold; everybody else none (an empty list)."
        ),
    )
)
class ConflictViewSet(mixins.ListModelMixin, PublicReadViewSet[ClaimConflict]):
    serializer_class = ConflictSerializer
    filterset_class = ConflictFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ClaimConflict]:
        return conflicts_visible(user=self.request.user)


@csrf_exempt  # any method may land here; the answer is the same 404 and nothing changes
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other URL under the API: the same JSON error shape as everywhere else, not an HTML page."""
    body = {"detail": "No API endpoint at this URL.", "code": "not_found", "errors": {}}
    return JsonResponse(body, status=404)
