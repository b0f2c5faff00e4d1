"""Claims: every extracted sentence, its review state, and promote/demote."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from reviews import roles
from reviews.admin.base import ReadOnlyAdmin, desk_user, fragment, shorten
from reviews.admin.matching import ConflictFilter, PublishedMatchFilter, claim_matching_panel
from reviews.admin.search import FullTextSearchMixin
from reviews.ids import record_id
from reviews.models import Claim, TaskStatus
from reviews.selectors import claim_context
from reviews.selectors_desk import (
    BIG_ARTICLE_FIELDS,
    articles_offered,
    claim_review_work,
    claims_with_published_verdict,
    claims_with_review_state,
)
from reviews.selectors_search import claims_matching
from reviews.services.claims import claim_demote, claim_promote
from reviews.workflow import condition_refuses, in_state_after


def claim_review_state(claim: Any) -> str:
    """The "review" column of a claim read through `claims_with_review_state`."""
    if getattr(claim, "published_verdict_id", None):
        return f"Published: {claim.published_rating}"
    if not in_state_after("claim.promote", claim):  # a scored sentence has no review
        return "-"
    status = getattr(claim, "task_status", None)
    return TaskStatus(status).label if status else "No open task"


class ScoreRangeFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "score"
    RANGES = {"high": (0.8, 1.01), "medium": (0.5, 0.8), "low": (0.0, 0.5)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("high", "High (0.8 to 1.0)"), ("medium", "Medium (0.5 to 0.8)"), ("low", "Low (below 0.5)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        bounds = self.RANGES.get(self.value() or "")
        if bounds is None:
            return queryset
        return queryset.filter(score__gte=bounds[0], score__lt=bounds[1])


class ArticleFilter(admin.SimpleListFilter):
    """By article: the ten newest are offered, plus the one chosen (the claim list's article links and the
    article page's "all sentences" link set it), so the sidebar stays short however many articles exist."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        offered = articles_offered(chosen=record_id(self.value()))
        return [(str(pk), shorten(title or f"Article {pk}", 60)) for pk, title in offered]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        article_id = record_id(self.value())
        return queryset if article_id is None else queryset.filter(article_id=article_id)


class PublishedVerdictFilter(admin.SimpleListFilter):
    title = "published verdict"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has a published verdict"), ("no", "No published verdict")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        return claims_with_published_verdict(queryset, has=self.value() == "yes")


@admin.register(Claim)
class ClaimAdmin(FullTextSearchMixin[Claim], ReadOnlyAdmin[Claim]):
    list_display = (
        "claim_text",
        "article_link",
        "sentence_number",
        "checkworthiness",
        "claim_type",
        "status",
        "review",
    )
    list_filter = (
        "status",
        "claim_type",
        ScoreRangeFilter,
        PublishedVerdictFilter,
        PublishedMatchFilter,
        ConflictFilter,
        ArticleFilter,
    )
    search_fields = ("text", "article__title")
    list_select_related = ("article",)
    ordering = ("-article__created_at", "article_id", "sentence_index")
    list_per_page = 100
    actions = ["promote", "demote"]
    view_on_site = False
    fields = (
        "article_link",
        "in_context",
        "sentence_number",
        "score",
        "claim_type",
        "status",
        "review",
        "review_work",
        "matching",
        "mentions",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return claims_with_review_state(
            super().get_queryset(request).defer(*(f"article__{name}" for name in BIG_ARTICLE_FIELDS))
        )

    def search_matching(self, queryset: QuerySet[Claim], term: str, *, or_id: int | None) -> QuerySet[Claim]:
        return claims_matching(queryset, term, or_id=or_id)

    @admin.display(description="claim", ordering="text")
    def claim_text(self, claim: Claim) -> str:
        return shorten(claim.text, 120)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, claim: Claim) -> SafeString:
        return fragment(
            "admin/reviews/claim/article_cell.html",
            {"article_id": claim.article_id, "title": shorten(str(claim.article), 50)},
        )

    @admin.display(description="sentence", ordering="sentence_index")
    def sentence_number(self, claim: Claim) -> int:
        return claim.sentence_index + 1

    @admin.display(description="score", ordering="score")
    def checkworthiness(self, claim: Claim) -> str:
        return f"{claim.score:.2f}"

    @admin.display(description="review")
    def review(self, claim: Claim) -> str:
        return claim_review_state(claim)

    @admin.display(description="in context")
    def in_context(self, claim: Claim) -> SafeString:
        return fragment("admin/reviews/claim_in_context.html", {"parts": claim_context(claim=claim)})

    @admin.display(description="matches and conflicts")
    def matching(self, claim: Claim) -> SafeString:
        return claim_matching_panel(claim)

    @admin.display(description="tasks and verdicts")
    def review_work(self, claim: Claim) -> SafeString:
        work = claim_review_work(claim=claim)
        return fragment(
            "admin/reviews/claim/review_work.html",
            {
                "claim": claim,
                "tasks": work.tasks,
                "verdicts": work.verdicts,
                "may_write": not condition_refuses("verdict.write", "claim_is_sentence", claim),
            },
        )

    def has_promote_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    has_demote_permission = has_promote_permission

    @admin.action(
        description="Promote sentences to check-worthy claims (queues a review)", permissions=["promote"]
    )
    def promote(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda claim: claim_promote(claim_id=claim.pk, editor=user),
            lambda n: f"Promoted {n} sentence{'s' if n != 1 else ''} to claims and queued their review.",
        )

    @admin.action(
        description="Demote claims to plain sentences (cancels their review)", permissions=["demote"]
    )
    def demote(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = desk_user(request)
        self.desk_bulk(
            request,
            queryset.order_by("pk"),
            lambda claim: claim_demote(claim_id=claim.pk, editor=user),
            lambda n: f"Demoted {n} claim{'s' if n != 1 else ''} to sentences.",
        )
