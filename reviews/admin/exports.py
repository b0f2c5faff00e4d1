"""Exports at the desk: editors start one (a page with the format and the verdict list's filters), follow
its progress in the list, and download its file. Rows are written by reviews.services.exports only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from reviews.admin.base import ReadOnlyAdmin, desk_user
from reviews.api.filters import PublishedVerdictFilter
from reviews.exceptions import ApplicationError
from reviews.ids import record_id
from reviews.models import Export, ExportFormat, ExportState, Verdict
from reviews.roles import is_editor
from reviews.services.exports import EXPORT_NOT_FOUND, export_file_open, export_start


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(choices=ExportFormat.choices, initial=ExportFormat.CSV)


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin[Export]):
    list_display = ("id", "owner", "format", "state", "progress", "created_at", "expires_at", "download")
    list_filter = ("state", "format")
    list_select_related = ("owner",)
    ordering = ("-created_at", "-id")
    fields = (
        "owner",
        "format",
        "filters",
        "state",
        "progress",
        "error",
        "file_size",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "download",
    )
    readonly_fields = fields

    # Editors (reviews.roles), whatever model permissions they hold: exports copy published work only.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_editor(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_editor(request.user)

    @admin.display(description="progress")
    def progress(self, export: Export) -> str:
        if export.total is None:
            return "—"
        return f"{export.rows_written:,} / {export.total:,} ({export.percent}%)"

    @admin.display(description="file")
    def download(self, export: Export) -> str:
        if export.state != ExportState.DONE:
            return "—"
        return format_html(
            '<a href="{}">Download</a>', reverse("admin:reviews_export_download", args=[export.pk])
        )

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<str:export_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="reviews_export_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request: HttpRequest, export_id: str) -> HttpResponseBase:
        changelist = reverse("admin:reviews_export_changelist")
        pk = record_id(export_id)
        try:
            if pk is None:
                raise ApplicationError(EXPORT_NOT_FOUND)
            opened = export_file_open(export_id=pk, user=request.user)
        except ApplicationError as exc:
            self.desk_refused(request, exc)
            return HttpResponseRedirect(changelist)
        return FileResponse(
            opened.file,
            as_attachment=True,
            filename=opened.download_name,
            content_type=opened.content_type,
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """The "start an export" page: a format and the verdict list's filters (its own form)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        format_form = ExportFormatForm(data)
        filterset = PublishedVerdictFilter(data=data, queryset=Verdict.objects.none())
        if data is not None and format_form.is_valid():
            filters = {
                name: values
                for name in PublishedVerdictFilter.base_filters
                if (values := [value for value in data.getlist(name) if value.strip()])
            }
            try:
                export = export_start(
                    owner=desk_user(request), format=format_form.cleaned_data["format"], filters=filters
                )
            except ApplicationError as exc:
                self.desk_refused(request, exc)
            else:
                self.message_user(
                    request,
                    f"Export {export.pk} is queued; its progress shows in the list below.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:reviews_export_changelist"))
        for name, field in filterset.form.fields.items():
            # Filters with a method have no model field to name them; the API's parameter names do.
            field.label = name.replace("_", " ").capitalize()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Start an export of published verdicts",
            "format_form": format_form,
            "filter_form": filterset.form,
            "media": self.media + filterset.form.media,
        }
        return TemplateResponse(request, "admin/reviews/export/start.html", context)
