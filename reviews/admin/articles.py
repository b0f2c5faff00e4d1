"""Articles: the list with review progress and scores, the article page with its claims highlighted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reviews import roles
from reviews.admin.base import ReadOnlyAdmin, admin_link, desk_user, fragment, score_text
from reviews.admin.claims import claim_review_state
from reviews.admin.search import FullTextSearchMixin
from reviews.models import Article, ArticleQuerySet, Claim, ClaimStatus
from reviews.scorecard_views import scorecard_admin_html
from reviews.selectors_desk import (
    BIG_ARTICLE_FIELDS,
    article_claim_spans,
    article_sentence_counts,
    articles_with_progress,
    claims_with_review_state,
)
from reviews.selectors_search import articles_matching
from reviews.services.articles import article_extract_retry, article_reextract
from reviews.services.scorecards import scorecards_rebuild
from reviews.workflow import action


class ReviewProgressFilter(admin.SimpleListFilter):
    title = "review progress"
    parameter_name = "progress"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("none", "No verdict published"),
            ("partial", "Partly reviewed"),
            ("complete", "Every claim reviewed"),
            ("no-claims", "No check-worthy claims"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        match self.value():
            case "none":
                return queryset.filter(claim_count__gt=0, published_count=0)
            case "partial":
                return queryset.filter(published_count__gt=0, published_count__lt=F("claim_count"))
            case "complete":
                return queryset.filter(claim_count__gt=0, published_count=F("claim_count"))
            case "no-claims":
                return queryset.filter(claim_count=0)
        return queryset


class ArticleClaimInline(admin.TabularInline[Claim, Article]):
    """The article's check-worthy claims, read-only, each linked to its page."""

    model = Claim
    # A plain read-only table: the stock tabular template repeats each claim's text above its row.
    template = "admin/reviews/readonly_inline.html"
    verbose_name = "check-worthy claim"
    verbose_name_plural = "check-worthy claims"
    fields = ("sentence", "text", "checkworthiness", "claim_type", "review_state")
    readonly_fields = fields
    extra = 0
    can_delete = False
    view_on_site = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return claims_with_review_state(super().get_queryset(request).filter(status=ClaimStatus.CLAIM))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="#")
    def sentence(self, claim: Claim) -> SafeString:
        return admin_link("admin:reviews_claim_change", claim.pk, f"Sentence {claim.sentence_index + 1}")

    @admin.display(description="review")
    def review_state(self, claim: Claim) -> str:
        return claim_review_state(claim)

    @admin.display(description="score")
    def checkworthiness(self, claim: Claim) -> str:
        return f"{claim.score:.2f}"


@admin.register(Article)
class ArticleAdmin(FullTextSearchMixin[Article], ReadOnlyAdmin[Article]):
    list_display = (
        "title_or_id",
        "publisher",
        "published_on",
        "status",
        "claims",
        "reviewed",
        "score",
    )
    list_filter = ("status", ReviewProgressFilter, "publisher")
    search_fields = ("title", "author", "publisher", "origin", "source_url")
    date_hierarchy = "published_on"
    ordering = ("-created_at", "-id")
    list_per_page = 100
    actions = ["reextract", "retry_extraction", "rebuild_scorecard"]
    inlines = [ArticleClaimInline]

    def view_on_site(self, article: Article) -> str:
        return reverse("reviews:scorecard", args=[article.pk])

    fieldsets = (
        (
            None,
            {
                "fields": (
                    *("title", "author", "publisher", "published_on", "source_url"),
                    *("status", "failure_reason", "sentences"),
                )
            },
        ),
        (None, {"fields": ("scorecard_panel",)}),
        ("Cleaned text (check-worthy claims highlighted)", {"fields": ("cleaned_text",)}),
        (
            "Extraction",
            {
                "classes": ("collapse",),
                "fields": (
                    "origin",
                    "content_type",
                    "encoding",
                    "extract_attempts",
                    "extractor_version",
                    "claim_threshold",
                    "claim_threshold_origin",
                    "feed",
                    "content_hash",
                    "created_at",
                    "changed_at",
                    "raw_text",
                ),
            },
        ),
    )
    readonly_fields = (
        "title",
        "author",
        "publisher",
        "published_on",
        "source_url",
        "status",
        "sentences",
        "scorecard_panel",
        "cleaned_text",
        "origin",
        "content_type",
        "encoding",
        "failure_reason",
        "extract_attempts",
        "extractor_version",
        "claim_threshold",
        "claim_threshold_origin",
        "feed",
        "content_hash",
        "created_at",
        "changed_at",
        "raw_text",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return articles_with_progress(super().get_queryset(request).defer(*BIG_ARTICLE_FIELDS))

    @admin.display(description="encoding")
    def encoding(self, article: Article) -> str:
        if not article.source_encoding:
            return "(received as text)"
        return article.source_encoding + (" (detected)" if article.source_encoding_guessed else "")

    def search_matching(
        self, queryset: QuerySet[Article], term: str, *, or_id: int | None
    ) -> QuerySet[Article]:
        return articles_matching(queryset, term, or_id=or_id)

    @admin.display(description="article", ordering="title")
    def title_or_id(self, article: Article) -> str:
        return str(article)

    @admin.display(description="claims", ordering="claim_count")
    def claims(self, article: Any) -> int:
        return int(article.claim_count)

    @admin.display(description="reviewed", ordering="published_count")
    def reviewed(self, article: Any) -> str:
        if not article.claim_count:
            return "-"
        return f"{100 * article.published_count / article.claim_count:.0f}%"

    @admin.display(description="score", ordering="score")
    def score(self, article: Any) -> str:
        return score_text(article.score)

    @admin.display(description="sentences")
    def sentences(self, article: Article) -> SafeString:
        counts = article_sentence_counts(article=article)
        return format_html(
            '<a href="{}?article={}">{} sentences, {} check-worthy</a> (promote or demote them there)',
            reverse("admin:reviews_claim_changelist"),
            article.pk,
            counts["total"],
            counts["claims"],
        )

    @admin.display(description="scorecard")
    def scorecard_panel(self, article: Article) -> SafeString:
        return scorecard_admin_html(article)

    @admin.display(description="text")
    def cleaned_text(self, article: Article) -> SafeString:
        body = article.body
        claims = article_claim_spans(article=article)
        pieces: list[dict[str, Any]] = []
        cursor = 0
        for pk, start, end in claims:
            if start < cursor or end > len(body):
                continue  # overlapping or out-of-range span: leave it unmarked rather than garble the text
            pieces.append({"text": body[cursor:start]})
            pieces.append({"text": body[start:end], "claim_id": pk})
            cursor = end
        pieces.append({"text": body[cursor:]})
        return fragment("admin/reviews/article/cleaned_text.html", {"pieces": pieces})

    def has_reextract_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    def has_retry_extraction_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    def has_rebuild_scorecard_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    @admin.action(description=action("article.reextract").label, permissions=["reextract"])
    def reextract(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        user = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda article: article_reextract(article_id=article.pk, actor=user),
            lambda n: f"Re-extracted {n} article{'s' if n != 1 else ''}.",
        )

    @admin.action(description=action("article.extract_retry").label, permissions=["retry_extraction"])
    def retry_extraction(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        user = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda article: article_extract_retry(article_id=article.pk, actor=user),
            lambda n: f"Sent the extraction of {n} article{'s' if n != 1 else ''} again.",
        )

    @admin.action(description="Rebuild the scorecard now", permissions=["rebuild_scorecard"])
    def rebuild_scorecard(self, request: HttpRequest, queryset: ArticleQuerySet) -> None:
        outcome = scorecards_rebuild(
            article_ids=list(queryset.values_list("pk", flat=True)), editor=desk_user(request)
        )
        if outcome is None:
            self.message_user(request, "Only extracted articles have scorecards.", messages.WARNING)
            return
        self.message_user(
            request,
            f"Rebuilt {outcome.built} scorecard{'s' if outcome.built != 1 else ''}.",
            messages.SUCCESS,
        )
