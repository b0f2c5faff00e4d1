"""What the editors' desk reads beside a verdict, a claim or an article (reviews/selectors_desk.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from reviews.models import Article, EventAction, ReviewEvent, VerdictStatus
from reviews.selectors_desk import (
    HISTORY_EVENTS,
    article_sentence_counts,
    articles_with_progress,
    verdict_history,
    verdict_published_on_claim,
)
from reviews.services.verdicts import verdict_publish
from tests.reviews.admin.desk import submitted_verdict

pytestmark = pytest.mark.django_db


def test_a_verdicts_history_is_two_queries_however_long(
    editor: User, reviewer: User, django_assert_num_queries: Any
) -> None:
    verdict = verdict_publish(verdict_id=submitted_verdict(reviewer).pk, editor=editor)
    ReviewEvent.objects.bulk_create(
        ReviewEvent(action=EventAction.VERDICT_PUBLISHED, actor=editor, claim=verdict.claim, verdict=verdict)
        for _ in range(HISTORY_EVENTS + 5)
    )

    with django_assert_num_queries(2):  # the versions, the events (with their actors)
        history = verdict_history(verdict=verdict)
        actors = {str(event.actor) for event in history.events}

    assert [v.pk for v in history.versions] == [verdict.pk]
    assert len(history.events) == HISTORY_EVENTS
    assert actors == {str(editor)}
    assert verdict_published_on_claim(claim_id=verdict.claim_id) == verdict


def test_an_articles_progress_counts_its_claims_and_published_verdicts(editor: User, reviewer: User) -> None:
    verdict = submitted_verdict(reviewer)
    article = verdict.claim.article
    progress = ("claim_count", "published_count")
    before = articles_with_progress(Article.objects.filter(pk=article.pk)).values_list(*progress).get()
    verdict_publish(verdict_id=verdict.pk, editor=editor)
    after = articles_with_progress(Article.objects.filter(pk=article.pk)).values_list(*progress).get()

    counts = article_sentence_counts(article=article)
    assert before == (counts["claims"], 0)
    assert after == (counts["claims"], 1)
    assert verdict.claim.verdicts.get().status == VerdictStatus.PUBLISHED
