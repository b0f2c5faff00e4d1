"""Feeds at the desk: editors register RSS/Atom feeds (checked by fetching them once: a page that is no
feed is refused with the reason), see each feed's last failure and its items' outcomes, and poll now."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from reviews.admin.base import DeskAdminMixin, ReadOnlyAdmin, ServiceRefused, desk_user, shorten
from reviews.admin.thresholds import threshold_cleaned
from reviews.exceptions import ApplicationError
from reviews.models import Feed, FeedItem, FeedItemStatus
from reviews.selectors_desk import BIG_ARTICLE_FIELDS
from reviews.services.feeds import feed_check, feed_poll_now, feed_register, feed_update


class FeedForm(forms.ModelForm[Feed]):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    claim_threshold = forms.FloatField(
        required=False,
        label="Claim threshold",
        help_text=(
            "For articles first submitted from this feed, over their source's and the default; empty: none. "
            "Applies to extractions from now on."
        ),
    )

    class Meta:
        model = Feed
        fields = ["url", "title", "is_active", "claim_threshold"]

    def clean_claim_threshold(self) -> float | None:
        return threshold_cleaned(self.cleaned_data["claim_threshold"])

    def clean_url(self) -> str:
        # The service checks again when saving; here the editor gets the reason next to the field.
        url: str = self.cleaned_data["url"]
        if self.instance.pk is None or url != self.instance.url:
            try:
                feed_check(url)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from None
        return url


@admin.register(Feed)
class FeedAdmin(DeskAdminMixin[Feed]):
    form = FeedForm
    list_display = (
        "__str__",
        "url",
        "is_active",
        "claim_threshold",
        "last_polled_at",
        "items_seen",
        "failed_items",
        "consecutive_failures",
        "short_last_error",
    )
    list_filter = ("is_active",)
    search_fields = ("url", "title")
    readonly_fields = (
        "items_link",
        "last_polled_at",
        "last_success_at",
        "next_poll_at",
        "consecutive_failures",
        "last_error",
        "items_seen",
        "etag",
        "last_modified",
        "created_at",
        "created_by",
    )
    fields = ("url", "title", "is_active", "claim_threshold", *readonly_fields)
    list_select_related = ("created_by",)
    actions = ["poll_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Feed]:
        # One aggregate in the changelist's statement, not a count per row.
        return (
            super()
            .get_queryset(request)
            .annotate(failed_count=Count("items", filter=Q(items__status=FeedItemStatus.FAILED)))
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would take the record of the items seen with it, and they would be ingested again if
        # the feed came back; a feed no longer wanted is made inactive.
        return False

    @admin.display(description="failed items", ordering="failed_count")
    def failed_items(self, feed: Feed) -> int:
        return int(getattr(feed, "failed_count", 0))

    @admin.display(description="last failure")
    def short_last_error(self, feed: Feed) -> str:
        return shorten(feed.last_error, 120)

    @admin.display(description="items")
    def items_link(self, feed: Feed) -> str:
        if feed.pk is None:
            return "-"
        url = reverse("admin:reviews_feeditem_changelist") + f"?feed__id__exact={feed.pk}"
        return format_html('<a href="{}">{} item(s) seen</a>', url, feed.items_seen)

    def save_model(self, request: HttpRequest, obj: Feed, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                feed = feed_update(
                    feed_id=obj.pk,
                    editor=desk_user(request),
                    url=data["url"],
                    title=data["title"],
                    is_active=data["is_active"],
                    claim_threshold=data["claim_threshold"],
                )
            else:
                feed = feed_register(
                    url=data["url"],
                    title=data["title"],
                    is_active=data["is_active"],
                    claim_threshold=data["claim_threshold"],
                    editor=desk_user(request),
                )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        obj.pk, obj.title = feed.pk, feed.title
        obj._state.adding = False

    def has_poll_now_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reviews.change_feed")

    @admin.action(description="Poll the selected feeds now", permissions=["poll_now"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda feed: feed_poll_now(feed_id=feed.pk, editor=desk_user(request)),
            lambda count: f"{count} feed(s) will be polled in a moment.",
        )


@admin.register(FeedItem)
class FeedItemAdmin(ReadOnlyAdmin[FeedItem]):
    list_display = ("first_seen_at", "feed", "__str__", "status", "article", "short_error")
    list_filter = ("status", "feed")
    search_fields = ("title", "link", "=key")
    list_select_related = ("feed", "article")
    ordering = ("-first_seen_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    fields = ("feed", "key", "link", "title", "status", "error", "article", "first_seen_at", "ingested_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeedItem]:
        deferred = [f"article__{name}" for name in BIG_ARTICLE_FIELDS]
        return super().get_queryset(request).select_related("feed", "article").defer(*deferred)

    @admin.display(description="why")
    def short_error(self, item: FeedItem) -> str:
        return shorten(item.error, 100)
