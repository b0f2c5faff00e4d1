"""Which articles' matching is due again (reviews/selectors_matching.py, `matching_due_ids`): a lost run
after `FACTCHECK_MATCH_RESEND_SECONDS`, a failed one after a wait that grows with its attempts. The sweep
that sends them is tested with the service (tests/reviews/services/test_matching.py); who sees which
match, with the API (tests/reviews/api/test_matching.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reviews.models import Article, ArticleStatus, MatchingStatus
from reviews.selectors_matching import RETRY_AFTER, RETRY_AFTER_MAX, matching_due_ids
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _article(status: str, *, ago: dt.timedelta, attempts: int = 0) -> Article:
    article = ArticleFactory.create()
    Article.objects.filter(pk=article.pk).update(
        matching_status=status, matching_changed_at=timezone.now() - ago, matching_attempts=attempts
    )
    return article


def test_a_lost_article_waits_as_long_as_the_setting_says(settings) -> None:
    settings.FACTCHECK_MATCH_RESEND_SECONDS = 5
    article = _article(MatchingStatus.PENDING, ago=dt.timedelta(seconds=4))
    assert matching_due_ids() == []
    Article.objects.filter(pk=article.pk).update(matching_changed_at=timezone.now() - dt.timedelta(seconds=6))
    assert matching_due_ids() == [article.pk]


def test_a_failed_article_waits_longer_each_attempt_up_to_the_cap() -> None:
    second = _article(MatchingStatus.FAILED, ago=RETRY_AFTER * 2 - dt.timedelta(seconds=1), attempts=2)
    first = _article(MatchingStatus.FAILED, ago=RETRY_AFTER + dt.timedelta(seconds=1), attempts=1)
    capped = _article(MatchingStatus.FAILED, ago=RETRY_AFTER_MAX + dt.timedelta(seconds=1), attempts=1000)
    assert matching_due_ids() == [capped.pk, first.pk]
    assert matching_due_ids(now=timezone.now() + dt.timedelta(seconds=2)) == [capped.pk, second.pk, first.pk]


def test_matched_and_unextracted_articles_are_never_due() -> None:
    _article(MatchingStatus.DONE, ago=RETRY_AFTER_MAX * 2)
    pending = _article(MatchingStatus.PENDING, ago=RETRY_AFTER_MAX * 2)
    Article.objects.filter(pk=pending.pk).update(status=ArticleStatus.PENDING)
    assert matching_due_ids() == []


def test_oldest_first_up_to_the_limit() -> None:
    newer = _article(MatchingStatus.PENDING, ago=dt.timedelta(days=1))
    older = _article(MatchingStatus.PENDING, ago=dt.timedelta(days=2))
    assert matching_due_ids() == [older.pk, newer.pk]
    assert matching_due_ids(limit=1) == [older.pk]
