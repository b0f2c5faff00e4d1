"""Claim thresholds at the desk: editors set a threshold per source (a site, by host) here, and per feed on
the feed's page (reviews/admin/feeds.py). Which one an extraction uses, and the rest of the policy, is
`reviews.selectors_thresholds`; saving and removing go through `reviews.services.thresholds`."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from reviews.admin.base import DeskAdminMixin, ServiceRefused, desk_user
from reviews.exceptions import ApplicationError
from reviews.models import SourceThreshold
from reviews.selectors_thresholds import source_thresholds
from reviews.services.thresholds import (
    source_host_checked,
    source_threshold_remove,
    source_threshold_set,
    threshold_checked,
)

THRESHOLD_HELP = (
    "Sentences scoring at or above it become claims, for articles from this source not submitted from a "
    "feed with its own threshold. Applies to extractions from now on (re-extract an article to apply it)."
)


def threshold_cleaned(value: float | None) -> float | None:
    """A form's threshold, refused next to the field with the service's reason."""
    try:
        return threshold_checked(value)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message) from None


class SourceThresholdForm(forms.ModelForm[SourceThreshold]):
    host = forms.CharField(
        max_length=253,
        help_text="The site's host, such as www.example.com: matches that host with or without www.",
    )
    threshold = forms.FloatField(help_text=THRESHOLD_HELP)

    class Meta:
        model = SourceThreshold
        fields = ["host", "threshold", "note"]

    def clean_host(self) -> str:
        try:
            return source_host_checked(self.cleaned_data["host"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_threshold(self) -> float | None:
        return threshold_cleaned(self.cleaned_data["threshold"])


@admin.register(SourceThreshold)
class SourceThresholdAdmin(DeskAdminMixin[SourceThreshold]):
    form = SourceThresholdForm
    list_display = ("host", "threshold", "note", "updated_at", "updated_by")
    search_fields = ("host", "note")
    list_select_related = ("updated_by",)
    ordering = ("host",)
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[SourceThreshold]:
        return source_thresholds()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A source is its host: another host is another source (add it; remove this one).
        return ("host", "updated_at", "updated_by") if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("host", "threshold", "note", *(("updated_at", "updated_by") if obj is not None else ()))

    def save_model(self, request: HttpRequest, obj: SourceThreshold, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            row = source_threshold_set(
                host=obj.host if change else data["host"],
                threshold=data["threshold"],
                note=data.get("note") or "",
                editor=desk_user(request),
            )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        obj.pk, obj.host = row.pk, row.host
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: SourceThreshold) -> None:
        try:
            source_threshold_remove(source_id=obj.pk, editor=desk_user(request))
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SourceThreshold]) -> None:
        editor = desk_user(request)
        for source_id in queryset.order_by("pk").values_list("pk", flat=True):
            self.desk_call(
                request, functools.partial(source_threshold_remove, source_id=source_id, editor=editor)
            )
