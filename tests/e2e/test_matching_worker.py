"""Claim matching end to end: articles ingested here, matched by a real Celery worker process over Redis,
the links and conflicts read back from PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from reviews.models import Article, ClaimConflict, ClaimMatch, MatchingStatus
from reviews.services.articles import article_ingest
from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

REPORT_A = (
    "Jobs report\n\nThe unemployment rate fell to 4.1% in March 2023, the statistics office said. "
    "Exports grew by 12% compared with 2022.\n"
)
REPORT_B = (
    "Labour market\n\nUnemployment fell to 4.6% in March 2023, the lowest level in a decade, the "
    "statistics office said. Wages rose by 3% over the year.\n"
)


def test_two_articles_are_matched_by_a_real_worker(celery_worker_process) -> None:
    with transaction.atomic():
        first = article_ingest(data=REPORT_A, name="a.txt").article
    with transaction.atomic():
        second = article_ingest(data=REPORT_B, name="b.txt").article

    def both_matched() -> bool:
        states = set(
            Article.objects.filter(pk__in=[first.pk, second.pk]).values_list("matching_status", flat=True)
        )
        return states == {MatchingStatus.DONE}

    wait_for(both_matched, timeout=120, what="the worker to match both articles")
    match = ClaimMatch.objects.get()
    assert {match.claim.article_id, match.other_claim.article_id} == {first.pk, second.pk}
    assert list(ClaimConflict.objects.values_list("kind", "value", "other_value")) == [
        ("percent", "4.1%", "4.6%")
    ]
    assert celery_worker_process.poll() is None, "the worker is still running"
