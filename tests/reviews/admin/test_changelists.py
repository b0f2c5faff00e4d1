"""Every changelist costs a fixed number of queries, however many rows it shows."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import (
    Citation,
    EventAction,
    RatingLabel,
    ReviewEvent,
    Scorecard,
    SourceThreshold,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from tests.factories import ClaimFactory, ReviewTaskFactory, rating

pytestmark = pytest.mark.django_db


def _verdicts(count: int, editor: User, reviewer: User) -> None:
    label = rating("false")
    for _ in range(count):
        claim = ClaimFactory.create()
        task = ReviewTaskFactory.create(claim=claim, status=TaskStatus.DONE, reviewer=reviewer)
        verdict = Verdict.objects.create(
            claim=claim,
            task=task,
            rating=label,
            summary="s",
            status=VerdictStatus.PUBLISHED,
            reviewer=reviewer,
            editor=editor,
            published_at=timezone.now(),
        )
        Citation.objects.bulk_create(
            Citation(verdict=verdict, url=f"https://e.example/{n}", position=n) for n in range(2)
        )
        Scorecard.objects.create(
            article=claim.article, data={"accuracy": {"score": 40.0}}, source_changed_at=timezone.now()
        )
        ReviewEvent.objects.create(
            action=EventAction.VERDICT_PUBLISHED,
            actor=editor,
            article=claim.article,
            claim=claim,
            task=task,
            verdict=verdict,
        )


def _tasks(count: int, reviewer: User) -> None:
    now = timezone.now()
    for _ in range(count):
        ReviewTaskFactory.create(
            status=TaskStatus.LEASED,
            lease_holder=reviewer,
            assignee=reviewer,
            lease_token=uuid.uuid4(),
            lease_expires_at=now,
        )


def _labels(count: int) -> None:
    start = RatingLabel.objects.count()
    RatingLabel.objects.bulk_create(
        RatingLabel(slug=f"extra-{n}", name=f"Extra {n}", order=100 + n, rating_value=3)
        for n in range(start, start + count)
    )


def _sources(count: int, editor: User) -> None:
    start = SourceThreshold.objects.count()
    SourceThreshold.objects.bulk_create(
        SourceThreshold(host=f"site-{n}.example.org", threshold=0.5, updated_by=editor)
        for n in range(start, start + count)
    )


@pytest.mark.parametrize(
    ("url_name", "grow"),
    [
        ("admin:reviews_article_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_claim_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_reviewtask_changelist", lambda ed, rev, n: _tasks(n, rev)),
        ("admin:reviews_verdict_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_ratinglabel_changelist", lambda ed, rev, n: _labels(n)),
        ("admin:reviews_reviewevent_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_scorecard_changelist", lambda ed, rev, n: _verdicts(n, ed, rev)),
        ("admin:reviews_sourcethreshold_changelist", lambda ed, rev, n: _sources(n, ed)),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(
    editor: User, reviewer: User, desk: Client, url_name: str, grow: Callable[[User, User, int], None]
) -> None:
    url = reverse(url_name)
    grow(editor, reviewer, 3)
    desk.get(url)  # warm caches (content types, permissions) so both measurements see the same state

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = desk.get(url)
        assert response.status_code == 200
        return len(queries), len(response.context["cl"].result_list)

    few_queries, few_rows = measure()
    grow(editor, reviewer, 110)
    many_queries, many_rows = measure()
    assert few_rows <= 10
    assert many_rows >= 100
    assert many_queries == few_queries, (
        f"{url_name}: {few_queries} queries for {few_rows} rows, {many_queries} for {many_rows}"
    )
