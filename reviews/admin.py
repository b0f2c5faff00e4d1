"""The editors' desk. Admin classes only display and call services; they hold no workflow rules."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reviews.models import Article, Citation, Claim, RatingLabel, ReviewEvent, ReviewTask, Scorecard, Verdict


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("title", "publisher", "published_on", "status", "created_at")
    list_filter = ("status", "publisher")
    search_fields = ("title", "author", "publisher", "body")
    date_hierarchy = "created_at"
    readonly_fields = (
        "content_hash",
        "raw_text",
        "extractor_version",
        "claim_threshold",
        "created_at",
        "changed_at",
    )


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin[Claim]):
    list_display = ("__str__", "article", "score", "claim_type", "status")
    list_filter = ("status", "claim_type")
    search_fields = ("text",)
    list_select_related = ("article",)
    raw_id_fields = ("article",)


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin[ReviewTask]):
    list_display = ("id", "claim", "status", "priority", "lease_holder", "lease_expires_at", "attempts")
    list_filter = ("status",)
    list_select_related = ("claim", "lease_holder")
    raw_id_fields = ("claim", "assignee", "lease_holder", "reviewer")


class CitationInline(admin.TabularInline[Citation, Verdict]):
    model = Citation
    extra = 0


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin[Verdict]):
    list_display = ("id", "claim", "rating", "status", "version", "reviewer", "published_at")
    list_filter = ("status", "rating")
    list_select_related = ("claim", "rating", "reviewer")
    raw_id_fields = ("claim", "task", "previous", "reviewer", "editor")
    inlines = [CitationInline]


@admin.register(RatingLabel)
class RatingLabelAdmin(admin.ModelAdmin[RatingLabel]):
    list_display = (
        "name",
        "slug",
        "order",
        "rating_value",
        "best_rating",
        "worst_rating",
        "requires_citation",
    )
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin[Scorecard]):
    list_display = ("article", "version", "built_at")
    list_select_related = ("article",)
    readonly_fields = ("article", "version", "data", "source_changed_at", "built_at")


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin[ReviewEvent]):
    """Read-only: the audit log is append-only, for everyone."""

    list_display = ("created_at", "action", "actor", "article", "task", "verdict", "from_status", "to_status")
    list_filter = ("action", "created_at")
    list_select_related = ("actor", "article", "task", "verdict")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReviewEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReviewEvent | None = None) -> bool:
        return False
