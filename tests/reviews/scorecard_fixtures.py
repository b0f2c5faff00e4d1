"""Building blocks for the scorecard tests: articles with claims in every review state, and publishing.

`publish_verdict` stands in for the editors' `verdict_publish` service (being written in parallel): it
writes what publication writes (a published verdict, its citations, the task marked done) and calls
`scorecard_request` inside the same transaction, as the real service must. Once `verdict_publish` is merged,
switch this one function to call it; every scorecard test then goes through the real path.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviews.models import (
    Article,
    Citation,
    Claim,
    ClaimStatus,
    RatingLabel,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services.scorecards import scorecard_request
from tests.factories import ArticleFactory, UserFactory

DEFAULT_SCALE = [
    # slug, name, value, counts_toward_score
    ("true", "True", 5, True),
    ("mostly-true", "Mostly true", 4, True),
    ("half-true", "Half true", 3, True),
    ("mostly-false", "Mostly false", 2, True),
    ("false", "False", 1, True),
    ("misleading", "Misleading", 2, True),
    ("unverifiable", "Unverifiable", 3, False),
]


def ensure_rating_scale() -> None:
    """The default scale as migration 0002 seeds it. Transactional tests flush the database (seeded rows
    included), so end-to-end tests call this instead of relying on the migration's rows."""
    for order, (slug, name, value, counted) in enumerate(DEFAULT_SCALE):
        RatingLabel.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "order": order,
                "rating_value": value,
                "best_rating": 5,
                "worst_rating": 1,
                "counts_toward_score": counted,
                "requires_citation": counted,
            },
        )


def article_with_claims(claims: int, *, sentences: int = 0, queued_at: dt.datetime | None = None) -> Article:
    """An extracted article with `claims` check-worthy claims, each with an available review task, and
    `sentences` scored sentences that are not claims. Bulk-inserted: fast for hundreds of claims."""
    article = ArticleFactory.create()
    rows = [
        Claim(
            article=article,
            text=f"Claim {index}: exports rose {index}% in 2020.",
            start=index * 40,
            end=index * 40 + 30,
            sentence_index=index,
            score=0.9,
            status=ClaimStatus.CLAIM if index < claims else ClaimStatus.SENTENCE,
        )
        for index in range(claims + sentences)
    ]
    created = Claim.objects.bulk_create(rows)
    ReviewTask.objects.bulk_create(
        ReviewTask(claim=claim, priority=900, created_at=queued_at or timezone.now())
        for claim in created
        if claim.status == ClaimStatus.CLAIM
    )
    return article


def checkworthy(article: Article) -> list[Claim]:
    return list(article.claims.checkworthy().order_by("sentence_index"))


def _staff(username: str) -> User:
    return UserFactory.create(username=username)


def publish_verdict(
    claim: Claim,
    rating: str,
    *,
    citations: Sequence[tuple[str, str]] = (),
    published_at: dt.datetime | None = None,
) -> Verdict:
    """Publish a verdict on `claim` with rating slug `rating` and `(url, publisher)` citations; a published
    verdict already on the claim becomes superseded (a correction). Stand-in for `verdict_publish`."""
    reviewer, editor = _staff("scorecard-reviewer"), _staff("scorecard-editor")
    with transaction.atomic():
        previous = Verdict.objects.filter(claim=claim, status=VerdictStatus.PUBLISHED).first()
        if previous is not None:
            previous.status = VerdictStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        task = ReviewTask.objects.filter(claim=claim).exclude(status=TaskStatus.CANCELLED).first()
        if task is not None:
            task.status = TaskStatus.DONE
            task.reviewer = reviewer
            task.save(update_fields=["status", "reviewer", "updated_at"])
        verdict = Verdict.objects.create(
            claim=claim,
            task=task,
            rating=RatingLabel.objects.get(slug=rating),
            summary=f"Rated {rating}.",
            status=VerdictStatus.PUBLISHED,
            reviewer=reviewer,
            editor=editor,
            version=previous.version + 1 if previous else 1,
            previous=previous,
            published_at=published_at or timezone.now(),
        )
        Citation.objects.bulk_create(
            Citation(verdict=verdict, url=url, publisher=publisher, position=index)
            for index, (url, publisher) in enumerate(citations)
        )
        scorecard_request(article=claim.article_id)
    return verdict


def retract_verdict(verdict: Verdict) -> None:
    """Stand-in for `verdict_retract`: the claim no longer has a published verdict."""
    with transaction.atomic():
        verdict.status = VerdictStatus.RETRACTED
        verdict.retracted_at = timezone.now()
        verdict.retraction_note = "Source withdrawn."
        verdict.save(update_fields=["status", "retracted_at", "retraction_note", "updated_at"])
        scorecard_request(article=verdict.claim.article_id)


def lease(task: ReviewTask, user: User) -> None:
    task.status = TaskStatus.LEASED
    task.lease_holder = user
    task.lease_token = uuid.uuid4()
    task.lease_expires_at = timezone.now() + dt.timedelta(minutes=20)
    task.save()


def publish_many(claims: Sequence[Claim], ratings: Sequence[str], *, citations: int = 0) -> None:
    """Publish a verdict on each claim in bulk (ratings used in turn, `citations` per verdict from a few
    recurring sources), then request one scorecard build per article: for large articles and benchmarks,
    where one `publish_verdict` per claim would be slow."""
    labels = {label.slug: label for label in RatingLabel.objects.filter(slug__in=ratings)}
    reviewer, editor = _staff("scorecard-reviewer"), _staff("scorecard-editor")
    now = timezone.now()
    with transaction.atomic():
        ReviewTask.objects.filter(claim__in=claims).exclude(status=TaskStatus.CANCELLED).update(
            status=TaskStatus.DONE, reviewer=reviewer
        )
        verdicts = Verdict.objects.bulk_create(
            Verdict(
                claim=claim,
                rating=labels[ratings[index % len(ratings)]],
                summary="Rated in bulk.",
                status=VerdictStatus.PUBLISHED,
                reviewer=reviewer,
                editor=editor,
                published_at=now,
            )
            for index, claim in enumerate(claims)
        )
        Citation.objects.bulk_create(
            Citation(
                verdict=verdict,
                url=f"https://source{(index + n) % 7}.example.org/{index}/{n}",
                publisher=f"Publisher {(index + n) % 4}",
                position=n,
            )
            for index, verdict in enumerate(verdicts)
            for n in range(citations)
        )
        for article_id in sorted({claim.article_id for claim in claims}):
            scorecard_request(article=article_id)
