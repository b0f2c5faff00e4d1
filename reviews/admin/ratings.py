"""The rating scale, edited in place."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reviews.admin.base import DeskAdminMixin
from reviews.models import RatingLabel
from reviews.services.ratings import rating_label_changed


@admin.register(RatingLabel)
class RatingLabelAdmin(DeskAdminMixin[RatingLabel]):
    """The rating scale. Configuration, edited in place; a change to how a rating scores marks the
    scorecards that use it stale, so the sweeper rebuilds them."""

    list_display = (
        "name",
        "slug",
        "order",
        "claimreview_rating",
        "alternate_name",
        "requires_citation",
        "counts_toward_score",
        "is_active",
    )
    list_filter = ("is_active", "requires_citation", "counts_toward_score")
    search_fields = ("name", "slug", "alternate_name")
    ordering = ("order", "id")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "order", "is_active")}),
        (
            "schema.org ClaimReview mapping",
            {
                "fields": ("rating_value", "best_rating", "worst_rating", "alternate_name"),
                "description": "ratingValue, bestRating, worstRating and alternateName in the published "
                "ClaimReview; the value also weights the article accuracy score.",
            },
        ),
        ("Rules", {"fields": ("requires_citation", "counts_toward_score")}),
    )

    @admin.display(description="ClaimReview rating", ordering="rating_value")
    def claimreview_rating(self, label: RatingLabel) -> str:
        return f"{label.rating_value} (scale {label.worst_rating} to {label.best_rating})"

    def save_model(self, request: HttpRequest, obj: RatingLabel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            rating_label_changed(label=obj, changed_fields=form.changed_data)
