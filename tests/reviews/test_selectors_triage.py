"""The triage page's figures, each against the rows behind it, and their fixed cost in queries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews.models import (
    ClaimConflict,
    ClaimMatch,
    ConflictKind,
    EventAction,
    MatchStatus,
    ReviewEvent,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_triage import OLDEST_SHOWN, THROUGHPUT_DAYS, TRIAGE_QUERIES, desk_triage
from reviews.services.verdicts import verdict_publish, verdict_return
from tests.factories import ClaimFactory, ReviewTaskFactory, UserFactory, rating
from tests.reviews.admin.desk import make_reviewer, submitted_verdict

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _leased(*, expires_in: dt.timedelta, holder: User, priority: int = 900) -> None:
    ReviewTaskFactory.create(
        status=TaskStatus.LEASED,
        lease_holder=holder,
        lease_token=uuid.uuid4(),
        lease_expires_at=NOW + expires_in,
        priority=priority,
    )


def _match(status: str, decider: User | None = None) -> ClaimMatch:
    first, second = ClaimFactory.create(), ClaimFactory.create()
    decided = {"decided_by": decider, "decided_at": NOW} if status != MatchStatus.SUGGESTED else {}
    return ClaimMatch.objects.create(
        claim=first, other_claim=second, similarity=0.9, status=status, **decided
    )


def _conflict(match: ClaimMatch, value: str, *, resolved_by: User | None = None) -> None:
    resolution: dict[str, Any] = {}
    if resolved_by is not None:
        resolution = {
            "resolved": True,
            "resolved_by": resolved_by,
            "resolved_at": NOW,
            "resolution_note": "x",
        }
    ClaimConflict.objects.create(
        match=match,
        kind=ConflictKind.YEAR,
        value=value,
        other_value="1999",
        sentence="s",
        other_sentence="o",
        **resolution,
    )


def _submission(actor: User, when: dt.datetime) -> None:
    ReviewEvent.objects.create(action=EventAction.VERDICT_SUBMITTED, actor=actor, created_at=when)


def test_empty_desk(db: None) -> None:
    triage = desk_triage(now=NOW)
    assert (triage.submitted, triage.returned, triage.matches_to_confirm, triage.open_conflicts) == (
        0,
        0,
        0,
        0,
    )
    assert (triage.leases_expired, triage.queue_depth) == (0, 0)
    assert triage.oldest_submitted == []
    assert triage.throughput.total == 0
    assert len(triage.throughput.days) == THROUGHPUT_DAYS
    assert triage.throughput.days[-1] == timezone.localdate(NOW)


def test_waiting_verdicts_are_counted_by_state_and_listed_oldest_first(editor: User) -> None:
    ana, bo = make_reviewer("ana"), make_reviewer("bo")
    waiting = [submitted_verdict(ana if n % 2 else bo) for n in range(OLDEST_SHOWN + 2)]
    # Submitted at different times, in an order unlike their ids.
    ages = [dt.timedelta(hours=h) for h in (5, 50, 1, 26, 3, 7, 2)]
    for verdict, age in zip(waiting, ages, strict=True):
        Verdict.objects.filter(pk=verdict.pk).update(submitted_at=NOW - age)
    verdict_return(verdict_id=waiting[0].pk, editor=editor, note="Cite the report.")
    verdict_publish(verdict_id=waiting[1].pk, editor=editor)

    triage = desk_triage(now=NOW)

    still = [(v, a) for v, a in zip(waiting, ages, strict=True)][2:]
    assert triage.submitted == len(still) == Verdict.objects.filter(status=VerdictStatus.SUBMITTED).count()
    assert triage.returned == 1
    expected = sorted(still, key=lambda pair: -pair[1])[:OLDEST_SHOWN]
    assert [(row.verdict.pk, row.age) for row in triage.oldest_submitted] == [(v.pk, a) for v, a in expected]
    assert str(triage.oldest_submitted[0].verdict.reviewer) == "ana"  # waiting[3], 26 hours


def test_matches_to_confirm_and_open_conflicts(editor: User) -> None:
    suggested = [_match(MatchStatus.SUGGESTED) for _ in range(3)]
    confirmed = _match(MatchStatus.CONFIRMED, editor)
    _match(MatchStatus.REJECTED, editor)
    _conflict(suggested[0], "2001")
    _conflict(suggested[0], "2002", resolved_by=editor)
    _conflict(confirmed, "2003")

    triage = desk_triage(now=NOW)

    assert triage.matches_to_confirm == 3
    assert triage.open_conflicts == 2


def test_expired_leases_and_the_queue_by_priority_band(editor: User) -> None:
    holder = make_reviewer("holder")
    for priority in (1500, 1000, 999, 800, 799, 500, 499, 0):
        ReviewTaskFactory.create(priority=priority)
    _leased(expires_in=-dt.timedelta(minutes=1), holder=holder)
    _leased(expires_in=-dt.timedelta(hours=3), holder=holder, priority=100)
    _leased(expires_in=dt.timedelta(minutes=10), holder=holder)
    for status in (TaskStatus.SUBMITTED, TaskStatus.RETURNED, TaskStatus.DONE, TaskStatus.CANCELLED):
        ReviewTaskFactory.create(priority=900, status=status, reviewer=holder)

    triage = desk_triage(now=NOW)

    assert triage.leases_expired == 2
    assert {row.band.slug: row.count for row in triage.depth} == {
        "raised": 2,
        "high": 2,
        "medium": 2,
        "low": 2,
    }
    assert triage.queue_depth == 8


def test_bands_are_counted_up_to_the_cap(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reviews.selectors_triage.DEPTH_COUNT_CAP", 2)
    for priority in (1500, 1400, 1300, 900, 850, 600):
        ReviewTaskFactory.create(priority=priority)
    triage = desk_triage(now=NOW)
    assert [(row.band.slug, row.count, row.capped) for row in triage.depth] == [
        ("raised", 2, True),
        ("high", 2, False),
        ("medium", 1, False),
        ("low", 0, False),
    ]
    assert (triage.queue_depth, triage.queue_depth_capped) == (5, True)


def test_throughput_per_day_and_per_person(db: None) -> None:
    ana, bo = UserFactory.create(username="ana"), UserFactory.create(username="bo")
    today = timezone.localdate(NOW)
    midday = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    for _ in range(3):
        _submission(ana, midday)
    _submission(bo, midday - dt.timedelta(days=1))
    _submission(ana, midday - dt.timedelta(days=THROUGHPUT_DAYS - 1))
    # Outside the window, or not a submission: not counted.
    _submission(bo, midday - dt.timedelta(days=THROUGHPUT_DAYS))
    ReviewEvent.objects.create(action=EventAction.VERDICT_PUBLISHED, actor=bo, created_at=midday)

    throughput = desk_triage(now=NOW).throughput

    assert throughput.per_day[-1] == 3
    assert throughput.per_day[-2] == 1
    assert throughput.per_day[0] == 1
    assert throughput.total == 5
    assert [(r.username, r.total) for r in throughput.reviewers] == [("ana", 4), ("bo", 1)]
    assert (throughput.reviewers[0].per_day[-1], throughput.reviewers[0].per_day[0]) == (3, 1)
    assert throughput.reviewers[1].per_day[-2] == 1


def _fill(scale: int, editor: User) -> None:
    """`scale` rows of every kind the page counts, written in bulk."""
    reviewers = [make_reviewer(f"r{scale}-{n}") for n in range(max(1, scale // 10))]
    label = rating("false")
    for n in range(scale):
        reviewer = reviewers[n % len(reviewers)]
        task = ReviewTaskFactory.create(
            priority=n * 37 % 1600, status=TaskStatus.SUBMITTED, reviewer=reviewer
        )
        Verdict.objects.create(
            claim=task.claim,
            task=task,
            rating=label,
            reviewer=reviewer,
            status=VerdictStatus.SUBMITTED if n % 3 else VerdictStatus.RETURNED,
            submitted_at=NOW - dt.timedelta(hours=n),
        )
        ReviewTaskFactory.create(priority=n * 53 % 1600)
        _leased(expires_in=dt.timedelta(minutes=(-1) ** n * 5), holder=reviewer)
        match = _match(MatchStatus.SUGGESTED)
        _conflict(match, str(2000 + n))
        _submission(reviewer, NOW - dt.timedelta(hours=n * 7))


@pytest.mark.parametrize("scale", [2, 40])
def test_a_fixed_number_of_queries_whatever_the_size(
    scale: int, editor: User, django_assert_num_queries: Any
) -> None:
    _fill(scale, editor)
    with django_assert_num_queries(TRIAGE_QUERIES):
        triage = desk_triage(now=NOW)
        # Everything the page shows is loaded: reading it costs nothing more.
        for row in triage.oldest_submitted:
            str(row.verdict.claim.text), str(row.verdict.claim.article), str(row.verdict.reviewer)
            str(row.verdict.rating)
    assert triage.submitted + triage.returned == scale
    assert triage.open_conflicts == scale
