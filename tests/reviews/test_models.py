"""Every named constraint is tested to fail: the database, not just the services, keeps the rules."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from reviews.models import (
    Article,
    ArticleStatus,
    Citation,
    Claim,
    ClaimStatus,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    Scorecard,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory, rating

pytestmark = pytest.mark.django_db


def violates(name: str, action: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    assert name in str(excinfo.value)


def test_article_unique_content_hash() -> None:
    ArticleFactory.create(content_hash="a" * 64)
    violates("article_unique_content_hash", lambda: ArticleFactory.create(content_hash="a" * 64))


def test_article_status_valid() -> None:
    violates("article_status_valid", lambda: ArticleFactory.create(status="bogus"))


def test_article_failure_has_reason() -> None:
    violates(
        "article_failure_has_reason",
        lambda: ArticleFactory.create(status=ArticleStatus.FAILED, failure_reason=""),
    )
    ArticleFactory.create(status=ArticleStatus.FAILED, failure_reason="no sentences")


def test_claim_unique_sentence_index() -> None:
    claim = ClaimFactory.create(sentence_index=3)
    violates(
        "claim_unique_sentence_index", lambda: ClaimFactory.create(article=claim.article, sentence_index=3)
    )


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"start": 5, "end": 5}, "claim_span_nonempty"),
        ({"score": 1.5}, "claim_score_range"),
        ({"score": -0.1}, "claim_score_range"),
        ({"status": "maybe"}, "claim_status_valid"),
        ({"claim_type": "gossip"}, "claim_type_valid"),
    ],
)
def test_claim_checks(fields: dict[str, object], name: str) -> None:
    violates(name, lambda: ClaimFactory.create(**fields))


def test_reviewtask_one_open_per_claim_allows_cancelled_history() -> None:
    task = ReviewTaskFactory.create()
    violates("reviewtask_one_open_per_claim", lambda: ReviewTaskFactory.create(claim=task.claim))
    ReviewTask.objects.filter(pk=task.pk).update(status=TaskStatus.CANCELLED)
    ReviewTaskFactory.create(claim=task.claim)


def test_reviewtask_status_valid() -> None:
    violates("reviewtask_status_valid", lambda: ReviewTaskFactory.create(status="lost"))


def test_reviewtask_lease_consistent() -> None:
    user = UserFactory.create()
    later = timezone.now() + dt.timedelta(minutes=5)
    # leased without a token
    violates(
        "reviewtask_lease_consistent",
        lambda: ReviewTaskFactory.create(status=TaskStatus.LEASED, lease_holder=user, lease_expires_at=later),
    )
    # a token left on a task that is not leased
    violates("reviewtask_lease_consistent", lambda: ReviewTaskFactory.create(lease_token=uuid.uuid4()))
    ReviewTaskFactory.create(
        status=TaskStatus.LEASED, lease_holder=user, lease_token=uuid.uuid4(), lease_expires_at=later
    )


def test_reviewtask_unique_lease_token() -> None:
    token = uuid.uuid4()
    later = timezone.now() + dt.timedelta(minutes=5)
    ReviewTaskFactory.create(
        status=TaskStatus.LEASED, lease_holder=UserFactory.create(), lease_token=token, lease_expires_at=later
    )
    violates(
        "reviewtask_unique_lease_token",
        lambda: ReviewTaskFactory.create(
            status=TaskStatus.LEASED,
            lease_holder=UserFactory.create(),
            lease_token=token,
            lease_expires_at=later,
        ),
    )


def test_reviewtask_reviewed_has_reviewer() -> None:
    violates(
        "reviewtask_reviewed_has_reviewer", lambda: ReviewTaskFactory.create(status=TaskStatus.SUBMITTED)
    )


def test_taskskip_constraints() -> None:
    task, user = ReviewTaskFactory.create(), UserFactory.create()
    TaskSkip.objects.create(task=task, reviewer=user, reason="conflict of interest")
    violates(
        "taskskip_unique_per_reviewer",
        lambda: TaskSkip.objects.create(task=task, reviewer=user, reason="again"),
    )
    violates(
        "taskskip_reason_required",
        lambda: TaskSkip.objects.create(task=task, reviewer=UserFactory.create(), reason=""),
    )


def test_ratinglabel_constraints() -> None:
    violates(
        "ratinglabel_unique_slug",
        lambda: RatingLabel.objects.create(slug="true", name="Again", order=9, rating_value=5),
    )
    violates(
        "ratinglabel_scale_ordered",
        lambda: RatingLabel.objects.create(
            slug="x", name="X", order=9, rating_value=1, best_rating=1, worst_rating=1
        ),
    )
    violates(
        "ratinglabel_value_in_scale",
        lambda: RatingLabel.objects.create(slug="y", name="Y", order=9, rating_value=9),
    )


def _verdict(claim: Claim, **fields: object) -> Verdict:
    defaults: dict[str, object] = {"rating": rating("false"), "status": VerdictStatus.SUBMITTED}
    defaults.update(fields)
    return Verdict.objects.create(claim=claim, **defaults)


def test_verdict_one_published_per_claim() -> None:
    claim = ClaimFactory.create()
    now = timezone.now()
    _verdict(claim, status=VerdictStatus.PUBLISHED, published_at=now)
    violates(
        "verdict_one_published_per_claim",
        lambda: _verdict(claim, version=2, status=VerdictStatus.PUBLISHED, published_at=now),
    )
    _verdict(claim, version=2, status=VerdictStatus.SUPERSEDED, published_at=now)


def test_verdict_unique_version_per_claim_among_published_versions() -> None:
    claim = ClaimFactory.create()
    now = timezone.now()
    _verdict(claim, status=VerdictStatus.SUPERSEDED, published_at=now)
    _verdict(claim)  # a submission has no number of its own until published
    violates(
        "verdict_unique_version_per_claim",
        lambda: _verdict(claim, status=VerdictStatus.PUBLISHED, published_at=now),
    )


def test_verdict_one_open_per_task() -> None:
    task = ReviewTaskFactory.create()
    _verdict(task.claim, task=task, status=VerdictStatus.DRAFT)
    violates("verdict_one_open_per_task", lambda: _verdict(task.claim, task=task, version=2))


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"status": "pending"}, "verdict_status_valid"),
        ({"rating": None}, "verdict_rated_unless_draft"),
        ({"status": VerdictStatus.PUBLISHED}, "verdict_published_has_date"),
        ({"status": VerdictStatus.RETRACTED, "published_at": timezone.now()}, "verdict_retracted_has_date"),
        ({"version": 0}, "verdict_version_positive"),
    ],
)
def test_verdict_checks(fields: dict[str, object], name: str) -> None:
    violates(name, lambda: _verdict(ClaimFactory.create(), **fields))


def test_draft_verdict_may_be_unrated() -> None:
    assert _verdict(ClaimFactory.create(), rating=None, status=VerdictStatus.DRAFT).pk


def test_citation_constraints() -> None:
    verdict = _verdict(ClaimFactory.create())
    Citation.objects.create(verdict=verdict, url="https://example.org/a")
    violates(
        "citation_unique_url_per_verdict",
        lambda: Citation.objects.create(verdict=verdict, url="https://example.org/a"),
    )
    violates("citation_url_http", lambda: Citation.objects.create(verdict=verdict, url="javascript:alert(1)"))
    violates("citation_url_http", lambda: Citation.objects.create(verdict=verdict, url="/relative/path"))


def test_scorecard_one_per_article_and_positive_version() -> None:
    article = ArticleFactory.create()
    Scorecard.objects.create(article=article, source_changed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(article=article, source_changed_at=timezone.now())
    violates(
        "scorecard_version_positive",
        lambda: Scorecard.objects.create(
            article=ArticleFactory.create(), version=0, source_changed_at=timezone.now()
        ),
    )


def test_reviewevent_is_append_only() -> None:
    event = ReviewEvent.objects.create(action="article.ingested")
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    violates("reviewevent_action_valid", lambda: ReviewEvent.objects.create(action="made.up"))


def test_article_with_history_cannot_be_deleted() -> None:
    from django.db.models import ProtectedError

    article = ArticleFactory.create()
    ReviewEvent.objects.create(action="article.ingested", article=article)
    with pytest.raises(ProtectedError):
        Article.objects.filter(pk=article.pk).delete()


def test_article_matching_status_valid() -> None:
    violates("article_matching_status_valid", lambda: ArticleFactory.create(matching_status="bogus"))


def test_claim_repeat_not_checkworthy() -> None:
    first = ClaimFactory.create()
    violates(
        "claim_repeat_not_checkworthy",
        lambda: ClaimFactory.create(article=first.article, repeat_of=first, status=ClaimStatus.CLAIM),
    )
    ClaimFactory.create(article=first.article, repeat_of=first, status=ClaimStatus.SENTENCE)


def test_claim_repeat_not_self() -> None:
    claim = ClaimFactory.create(status=ClaimStatus.SENTENCE)
    violates("claim_repeat_not_self", lambda: Claim.objects.filter(pk=claim.pk).update(repeat_of=claim))


def test_verdict_reused_from_protects_the_original() -> None:
    original = Verdict.objects.create(claim=ClaimFactory.create(), rating=rating("false"))
    Verdict.objects.create(claim=ClaimFactory.create(), reused_from=original)
    with pytest.raises(ProtectedError):
        original.delete()
