"""Exports over the API: editors start them; their owner and editors follow their progress and download
the file. Reads and the download are closed to everybody else: an export that is not theirs is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from reviews.api.filters import PublishedVerdictFilter
from reviews.api.permissions import HasRole
from reviews.api.serializers import ErrorSerializer
from reviews.ids import record_id
from reviews.models import Export, ExportFormat, ExportState
from reviews.roles import is_editor
from reviews.selectors_exports import exports_visible
from reviews.services.exports import EXPORT_NOT_FOUND, export_file_open, export_start


class CanExport(HasRole):
    role = staticmethod(is_editor)
    message = "Only editors can start exports."


class FileContentNegotiation(BaseContentNegotiation):
    """The download answers with the file whatever the client's Accept header says (a client asking for
    text/csv got a 406 from the JSON renderers), and with JSON when it refuses."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class ExportStartSerializer(serializers.Serializer[dict[str, Any]]):
    # Plain text here: the service checks the format and the filters, with the same words everywhere.
    format = serializers.CharField(help_text=f"One of: {', '.join(ExportFormat.values)}.")
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text=(
            "The verdict list's filters, as its query parameters (a value or a list of values): "
            + ", ".join(PublishedVerdictFilter.base_filters)
            + "."
        ),
    )


class ExportSerializer(serializers.ModelSerializer[Export]):
    owner = serializers.CharField(source="owner.username", read_only=True)
    percent = serializers.IntegerField(read_only=True, allow_null=True, help_text="Progress, 0-100.")
    download_url = serializers.SerializerMethodField(help_text="Where to get the file once done; else null.")

    class Meta:
        model = Export
        fields = [
            "id",
            "owner",
            "format",
            "filters",
            "state",
            "rows_written",
            "total",
            "percent",
            "error",
            "file_size",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export: Export) -> str | None:
        if export.state != ExportState.DONE:
            return None
        # The router's routes take an optional trailing slash, which reverse() leaves out.
        path = reverse("export-download", args=[export.pk]).rstrip("/") + "/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema_view(
    list=extend_schema(
        summary="List exports", description="Editors see every export; anybody else their own, newest first."
    ),
    retrieve=extend_schema(summary="One export, with its progress"),
)
class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Export]):
    """Bulk exports of published verdicts (docs/exports.md)."""

    serializer_class = ExportSerializer
    filter_backends: list[Any] = []

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "create":
            return [CanExport()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Export]:
        return exports_visible(user=self.request.user).order_by("-created_at", "-id")

    def get_object(self) -> Export:
        export_id = record_id(str(self.kwargs["pk"]))
        export = None if export_id is None else self.get_queryset().filter(pk=export_id).first()
        if export is None:
            raise NotFound(EXPORT_NOT_FOUND)
        return export

    @extend_schema(
        summary="Start an export",
        description=(
            "Editors only. Queues an export of the published verdicts the filters select (those of "
            "GET /api/v1/verdicts/) as CSV, JSON Lines or one ClaimReview JSON-LD document; follow its "
            "progress at the returned URL and download it from `download_url` when done."
        ),
        request=ExportStartSerializer,
        responses={
            202: OpenApiResponse(ExportSerializer, description="Queued."),
            403: OpenApiResponse(ErrorSerializer, description=f"Not an editor: “{CanExport.message}”"),
        },
    )
    def create(self, request: Request) -> Response:
        body = ExportStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        export = export_start(
            owner=request.user, format=body.validated_data["format"], filters=body.validated_data["filters"]
        )
        data = ExportSerializer(export, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(reverse("export-detail", args=[export.pk]).rstrip("/") + "/")
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        summary="Download an export's file",
        description=(
            "Its owner and editors only (404 for anybody else). 409 while it runs or after it failed "
            "(the reason is given), 410 once it expired."
        ),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            409: OpenApiResponse(ErrorSerializer, description="Not done yet, or failed."),
            410: OpenApiResponse(ErrorSerializer, description="Expired: the file was deleted."),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileContentNegotiation)
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        export_id = record_id(str(pk))
        if export_id is None:
            raise NotFound(EXPORT_NOT_FOUND)
        opened = export_file_open(export_id=export_id, user=request.user)
        return FileResponse(
            opened.file,
            as_attachment=True,
            filename=opened.download_name,
            content_type=opened.content_type,
        )
