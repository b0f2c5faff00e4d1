"""Reads behind the public API and the public verdict pages.

Who sees what is decided here and nowhere else: editors (reviews.roles.is_editor) see all
work in every state; everybody else (API consumers, reviewers, anonymous callers) sees published verdicts
only, and only the claims and articles those verdicts belong to. Each selector returns a queryset with its
joins and prefetches in place, so the number of queries a page costs does not grow with its size.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from reviews.models import Article, Citation, Claim, ClaimStatus, RatingLabel, Verdict, VerdictStatus
from reviews.roles import is_editor
from reviews.workflow import VERDICT_PUBLIC_STANDING, VERDICT_WITHDRAWN


def sees_unpublished(user: Any) -> bool:
    """Whether `user` may read work that is not published (drafts, submissions, superseded versions):
    editors only (reviews.roles)."""
    return is_editor(user)


def _published_verdicts() -> QuerySet[Verdict]:
    return Verdict.objects.published()


# --- verdicts --------------------------------------------------------------------------------------

# An article's full text (raw and cleaned, up to FACTCHECK_MAX_ARTICLE_BYTES each) is never shown with a
# verdict: left out of every join, or a page of 50 verdicts could drag megabytes out of the database.
_ARTICLE_TEXT = ("claim__article__raw_text", "claim__article__body", "claim__mentions")
# Nor are the related rows' full-text search vectors (reviews.selectors_search matches and ranks them in
# the database): decoding them cost more than the rest of a page's rows.
_RELATED_VECTORS = ("claim__search_vector", "claim__article__search_vector")


def _verdicts_with_relations(queryset: QuerySet[Verdict]) -> QuerySet[Verdict]:
    # One join for what every verdict shows (claim, article, rating), one prefetch query for all the
    # citations of the page (Verdict.citations_in_order); the id of the correction that replaced a
    # version comes from the reverse one-to-one as a single column rather than a second full verdict row.
    return (
        queryset.select_related("claim", "claim__article", "rating")
        .defer(*_ARTICLE_TEXT, *_RELATED_VECTORS)
        .annotate(superseded_by_id=F("next_version__id"))
        # to_attr: a plain list on each verdict. Without it Django builds a filtered queryset per row
        # to hold the prefetched citations, which costs more than the rows themselves.
        .prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.order_by("position", "id"),
                to_attr=Verdict.CITATIONS_PREFETCHED,
            )
        )
    )


def verdicts_visible(*, user: Any) -> QuerySet[Verdict]:
    """Verdicts `user` may read: every version in every state for editors, published ones for others."""
    base = Verdict.objects.all() if sees_unpublished(user) else _published_verdicts()
    return _verdicts_with_relations(base)


def superseded_by_id(verdict: Verdict) -> int | None:
    """The id of the correction that replaced `verdict`: annotated by these selectors, else one query."""
    if "superseded_by_id" in verdict.__dict__:
        annotated: int | None = verdict.__dict__["superseded_by_id"]
        return annotated
    return Verdict.objects.filter(previous=verdict).values_list("id", flat=True).first()


def verdicts_published() -> QuerySet[Verdict]:
    """Published verdicts, whoever asks: the ClaimReview feed and the public pages show nothing else."""
    return _verdicts_with_relations(_published_verdicts())


def verdicts_published_page() -> QuerySet[Verdict]:
    """Published verdicts for the public list, newest first: what a row shows (claim, article, rating)
    in one join, none of the articles' text, no citations."""
    return (
        _published_verdicts()
        .select_related("claim", "claim__article", "rating")
        .only(
            "pk",
            "published_at",
            "version",
            "summary",
            "claim__text",
            "claim__article__title",
            "claim__article__publisher",
            "rating__name",
            "rating__slug",
        )
        .order_by("-published_at", "-pk")
    )


def verdict_published_get(*, pk: int) -> Verdict | None:
    """The published verdict `pk` with everything its public page shows, or None."""
    return verdicts_published().filter(pk=pk).first()


def verdict_withdrawn_current(*, pk: int) -> Verdict | None:
    """For a verdict that was published and no longer is (superseded or retracted): where its claim's
    published history stands now, the latest version that was published, which is either published or
    retracted. None for anything else (never published, or missing)."""
    verdict = Verdict.objects.filter(pk=pk, status__in=VERDICT_WITHDRAWN).only("claim_id").first()
    if verdict is None:
        return None
    return (
        Verdict.objects.filter(claim_id=verdict.claim_id, status__in=VERDICT_PUBLIC_STANDING)
        .only("pk", "status", "retracted_at", "retraction_note")
        .order_by("-version", "-pk")
        .first()
    )


# --- claims ----------------------------------------------------------------------------------------


def claims_visible(*, user: Any) -> QuerySet[Claim]:
    """Claims `user` may read: all scored sentences for editors, claims with a published verdict for others.

    Each claim carries `published_verdicts` (a list of at most one: the latest published version, as the
    `verdict_one_published_per_claim` constraint guarantees), fetched for the whole page in one query.
    """
    queryset = Claim.objects.all()
    if not sees_unpublished(user):
        queryset = queryset.with_published_verdict()
    return (
        queryset.select_related("article")
        .defer("article__raw_text", "article__body", "article__search_vector")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=_published_verdicts().select_related("rating"),
                to_attr=Claim.PUBLISHED_VERDICTS_PREFETCHED,
            )
        )
    )


# --- articles --------------------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    # A correlated COUNT subquery per row instead of JOIN + GROUP BY: two counts over different joins
    # would multiply each other, and the page's rows are few.
    counted = queryset.order_by().values("article_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def articles_visible(*, user: Any) -> QuerySet[Article]:
    """Articles `user` may read: all for editors, those with at least one published verdict for others.

    Annotated with `claim_count` (check-worthy claims) and `published_verdict_count`.
    """
    queryset = Article.objects.defer("raw_text", "body")
    if not sees_unpublished(user):
        queryset = queryset.filter(Exists(_published_verdicts().filter(claim__article=OuterRef("pk"))))
    return queryset.annotate(
        claim_count=_count(Claim.objects.filter(article=OuterRef("pk"), status=ClaimStatus.CLAIM)),
        published_verdict_count=_count(
            Claim.objects.filter(article=OuterRef("pk"), verdicts__status=VerdictStatus.PUBLISHED)
        ),
    )


# --- ratings ---------------------------------------------------------------------------------------


def ratings_list() -> QuerySet[RatingLabel]:
    """The rating scale, in the order people see it. Public: it is what every published verdict uses."""
    return RatingLabel.objects.order_by("order", "id")


# --- ClaimReview -----------------------------------------------------------------------------------


def claimreviews_published() -> QuerySet[Verdict]:
    """Published verdicts with what their ClaimReview shows (claim, article, rating), in one query."""
    # Only the columns the document shows: the feed is the aggregators' hot path.
    return (
        _published_verdicts()
        .select_related("claim", "claim__article", "rating")
        .only(
            "id",
            "summary",
            "published_at",
            "status",
            "claim__text",
            "claim__article__title",
            "claim__article__author",
            "claim__article__publisher",
            "claim__article__source_url",
            "claim__article__published_on",
            "claim__article__created_at",
            "rating__name",
            "rating__rating_value",
            "rating__best_rating",
            "rating__worst_rating",
            "rating__alternate_name",
        )
    )
