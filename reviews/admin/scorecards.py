"""Scorecards, read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from reviews.admin.base import ReadOnlyAdmin, score_text
from reviews.durations import duration_text
from reviews.models import Scorecard
from reviews.selectors_desk import BIG_ARTICLE_FIELDS


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin[Scorecard]):
    list_display = (
        "article",
        "score",
        "version",
        "built_at",
        "build_latency",
        "source_changed_at",
        "up_to_date",
    )
    list_select_related = ("article",)
    search_fields = ("article__title",)
    ordering = ("-built_at",)
    list_per_page = 100
    fields = ("article", "version", "built_at", "source_changed_at", "data")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scorecard]:
        return super().get_queryset(request).defer(*(f"article__{name}" for name in BIG_ARTICLE_FIELDS))

    @admin.display(description="score")
    def score(self, card: Scorecard) -> str:
        return score_text((card.data.get("accuracy") or {}).get("score"))

    @admin.display(description="built after the change")
    def build_latency(self, card: Scorecard) -> str:
        """From the article change this build includes to the build: the scorecard's lag, seconds kept."""
        return duration_text(card.built_at - card.source_changed_at)

    @admin.display(description="up to date", boolean=True)
    def up_to_date(self, card: Scorecard) -> bool:
        return card.source_changed_at >= card.article.changed_at
