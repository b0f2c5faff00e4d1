"""The rating scale, edited in place."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reviews.admin.base import DeskAdminMixin, ServiceRefused
from reviews.exceptions import ApplicationError
from reviews.models import RatingLabel
from reviews.services.ratings import EDITABLE_FIELDS, rating_label_create, rating_label_update


@admin.register(RatingLabel)
class RatingLabelAdmin(DeskAdminMixin[RatingLabel]):
    """The rating scale. Configuration, added through `rating_label_create` and edited in place through
    `rating_label_update`, which record it in the audit log; a change to how a rating scores marks the
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
        # Through the services: the audit row, and for an edit the published cache and the scorecards.
        try:
            if change:
                rating_label_update(
                    label_id=obj.pk,
                    editor=request.user,
                    changes={name: form.cleaned_data[name] for name in form.changed_data},
                )
                return
            label = rating_label_create(
                editor=request.user,
                values={name: form.cleaned_data[name] for name in form.fields if name in EDITABLE_FIELDS},
            )
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        obj.pk = label.pk
        obj._state.adding = False
