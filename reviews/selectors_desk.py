"""Reads for the editors' desk (reviews.admin): what its lists add to each row and what its pages show
beside the object. Each read owns its joins and subqueries, so a list costs a fixed number of queries
however many rows it shows (tests/reviews/admin/test_changelists.py) and a page a fixed number however
long the object's history is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce

from reviews.models import (
    Article,
    Citation,
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    MatchStatus,
    ReviewEvent,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)

# Article columns a page never shows beside a claim; joined articles leave them out of the SELECT.
BIG_ARTICLE_FIELDS = ("raw_text", "body")
# The audit rows the verdict page shows; the audit log has the rest.
HISTORY_EVENTS = 50


def subquery_count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (filtered on OuterRef), 0 when empty: one subquery per row in
    the same SELECT, so a list's query count does not grow with its rows and no join multiplies them."""
    counted = queryset.order_by().values(_dummy=Value(1)).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- claims ----------------------------------------------------------------------------------------


def claims_with_review_state(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Each claim with its open task's status (`task_status`) and its published verdict's id and rating
    (`published_verdict_id`, `published_rating`), as subqueries of the same statement."""
    open_task = ReviewTask.objects.filter(claim=OuterRef("pk")).exclude(status=TaskStatus.CANCELLED)
    published = Verdict.objects.published().filter(claim=OuterRef("pk"))
    return queryset.annotate(
        task_status=Subquery(open_task.values("status")[:1]),
        published_verdict_id=Subquery(published.values("pk")[:1]),
        published_rating=Subquery(published.values("rating__name")[:1]),
    )


def claims_with_published_verdict(queryset: QuerySet[Claim], *, has: bool) -> QuerySet[Claim]:
    """The claims that have (or, `has=False`, have not) a published verdict."""
    published = Exists(Verdict.objects.published().filter(claim=OuterRef("pk")))
    return queryset.filter(published if has else ~published)


def claims_with_published_match(queryset: QuerySet[Claim], *, has: bool) -> QuerySet[Claim]:
    """The claims matched (live matches: not rejected) with a claim that has a published verdict, on
    either side of the match: work a reviewer can reuse. `has=False`: the others."""
    live = ClaimMatch.objects.live()
    published = Verdict.objects.published()
    matched = Exists(
        live.filter(claim=OuterRef("pk")).filter(Exists(published.filter(claim=OuterRef("other_claim"))))
    ) | Exists(
        live.filter(other_claim=OuterRef("pk")).filter(Exists(published.filter(claim=OuterRef("claim"))))
    )
    return queryset.filter(matched if has else ~matched)


def claims_with_conflict(queryset: QuerySet[Claim], *, which: str) -> QuerySet[Claim]:
    """The claims with a conflict on a match an editor did not reject, on either side: `which` is "open"
    (unresolved), "any", or "no" (none at all)."""
    conflicts = ClaimConflict.objects.exclude(match__status=MatchStatus.REJECTED)
    if which == "open":
        conflicts = conflicts.filter(resolved=False)
    has = Exists(conflicts.filter(match__claim=OuterRef("pk"))) | Exists(
        conflicts.filter(match__other_claim=OuterRef("pk"))
    )
    return queryset.filter(~has if which == "no" else has)


def claim_text_of(*, claim_id: int) -> tuple[int, str] | None:
    """The claim's id and text (a filter's sidebar names the chosen claim), or None."""
    return Claim.objects.filter(pk=claim_id).values_list("pk", "text").first()


@dataclass(frozen=True)
class ClaimReviewWork:
    tasks: QuerySet[ReviewTask]
    verdicts: QuerySet[Verdict]


def claim_review_work(*, claim: Claim) -> ClaimReviewWork:
    """The claim's review tasks and verdicts, newest first (the claim page's "tasks and verdicts")."""
    return ClaimReviewWork(
        tasks=claim.tasks.order_by("-created_at"), verdicts=claim.verdicts.order_by("-created_at")
    )


def claim_matches_both_sides(*, claim: Claim) -> list[ClaimMatch]:
    """Every match of the claim, live or rejected, whichever side it is stored on, most similar first,
    with both claims and their articles (one query)."""
    prefixes = ("claim", "other_claim")
    return list(
        ClaimMatch.objects.of_claim(claim.pk)
        .select_related("claim__article", "other_claim__article")
        .defer(*(f"{prefix}__article__{name}" for prefix in prefixes for name in BIG_ARTICLE_FIELDS))
        .order_by("-similarity", "pk")
    )


# --- articles --------------------------------------------------------------------------------------


def articles_with_progress(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Each article with its check-worthy claims (`claim_count`), those with a published verdict
    (`published_count`) and its scorecard's stored accuracy score (`score`; NULL until built or until a
    counted verdict exists), in the same statement."""
    claims = Claim.objects.filter(article=OuterRef("pk"), status=ClaimStatus.CLAIM)
    published = claims.filter(verdicts__status=VerdictStatus.PUBLISHED)
    return queryset.annotate(
        claim_count=subquery_count(claims),
        published_count=subquery_count(published),
        score=Cast(KeyTextTransform("score", KeyTransform("accuracy", "scorecard__data")), FloatField()),
    )


def articles_offered(*, chosen: int | None, limit: int = 10) -> list[tuple[int, str]]:
    """The (id, title) of the `limit` newest articles, with the chosen one first when it is not among
    them: a filter's sidebar stays short however many articles exist."""
    recent = list(Article.objects.order_by("-created_at", "-id").values_list("pk", "title")[:limit])
    if chosen is not None and chosen not in {pk for pk, _ in recent}:
        found = Article.objects.filter(pk=chosen).values_list("pk", "title").first()
        if found is not None:
            recent.insert(0, found)
    return recent


def article_sentence_counts(*, article: Article) -> dict[str, int]:
    """How many sentences the article has (`total`) and how many are check-worthy claims (`claims`)."""
    return article.claims.aggregate(total=Count("id"), claims=Count("id", filter=Q(status=ClaimStatus.CLAIM)))


def article_claim_spans(*, article: Article) -> list[tuple[int, int, int]]:
    """The article's check-worthy claims as (id, start, end) in the body, in reading order."""
    return list(
        Claim.objects.filter(article=article, status=ClaimStatus.CLAIM)
        .order_by("start")
        .values_list("pk", "start", "end")
    )


# --- review tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskReviewWork:
    skips: QuerySet[TaskSkip]
    verdicts: QuerySet[Verdict]


def task_review_work(*, task: ReviewTask) -> TaskReviewWork:
    """Who skipped the task (first first, with the reviewer) and its verdicts (newest first)."""
    return TaskReviewWork(
        skips=task.skips.select_related("reviewer").order_by("created_at"),
        verdicts=task.verdicts.order_by("-created_at"),
    )


# --- verdicts --------------------------------------------------------------------------------------


def verdicts_with_citation_count(queryset: QuerySet[Verdict]) -> QuerySet[Verdict]:
    """Each verdict with its number of citations (`citation_count`), in the same statement."""
    return queryset.annotate(citation_count=subquery_count(Citation.objects.filter(verdict=OuterRef("pk"))))


@dataclass(frozen=True)
class VerdictHistory:
    versions: list[Verdict]  # every verdict on the claim but abandoned drafts, newest version first
    events: list[ReviewEvent]  # the claim's last HISTORY_EVENTS audit rows, its tasks' and verdicts' too


def verdict_history(*, verdict: Verdict) -> VerdictHistory:
    """The version history and audit trail of the verdict's claim (two queries)."""
    versions = (
        Verdict.objects.filter(claim_id=verdict.claim_id)
        .exclude(status=VerdictStatus.ABANDONED)
        .select_related("rating", "editor")
        .order_by("-version", "-created_at")
    )
    events = (
        ReviewEvent.objects.filter(
            Q(verdict__claim_id=verdict.claim_id)
            | Q(claim_id=verdict.claim_id)
            | Q(task__claim_id=verdict.claim_id)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_EVENTS]
    )
    return VerdictHistory(versions=list(versions), events=list(events))


def verdict_published_on_claim(*, claim_id: int) -> Verdict | None:
    """The claim's published verdict (at most one: verdict_one_published_per_claim), or None."""
    return Verdict.objects.published().filter(claim_id=claim_id).first()


# --- matches and conflicts -------------------------------------------------------------------------


def matches_with_open_conflicts(queryset: QuerySet[ClaimMatch]) -> QuerySet[ClaimMatch]:
    """Each match with its number of unresolved conflicts (`open_conflict_count`)."""
    open_conflicts = ClaimConflict.objects.filter(match=OuterRef("pk"), resolved=False)
    return queryset.annotate(open_conflict_count=subquery_count(open_conflicts))


def matches_with_open_conflict(queryset: QuerySet[ClaimMatch], *, has: bool) -> QuerySet[ClaimMatch]:
    """The matches with (or, `has=False`, without) an unresolved conflict."""
    open_conflict = Exists(ClaimConflict.objects.filter(match=OuterRef("pk"), resolved=False))
    return queryset.filter(open_conflict if has else ~open_conflict)


def match_conflicts(*, match: ClaimMatch) -> list[ClaimConflict]:
    """The match's conflicts, open ones first, with who resolved them."""
    return list(match.conflicts.select_related("resolved_by").order_by("resolved", "pk"))
