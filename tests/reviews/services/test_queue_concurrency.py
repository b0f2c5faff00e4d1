"""The queue under real concurrency: threads with their own PostgreSQL connections, real row locks."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from reviews.models import (
    Article,
    Claim,
    ClaimStatus,
    EventAction,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
)
from reviews.services import queue
from reviews.services.verdicts import CitationInput, VerdictInput

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VERDICT = VerdictInput(
    rating="false", summary="Wrong year.", citations=(CitationInput(url="https://example.org/source"),)
)


def make_tasks(count: int) -> None:
    article = Article.objects.create(raw_text="x", body="x" * 100, content_hash="c" * 64, status="ready")
    claims = Claim.objects.bulk_create(
        Claim(
            article=article,
            text=f"claim {n}",
            start=0,
            end=5,
            sentence_index=n,
            score=0.9,
            status=ClaimStatus.CLAIM,
        )
        for n in range(count)
    )
    ReviewTask.objects.bulk_create(ReviewTask(claim=c, priority=c.sentence_index % 97) for c in claims)


def make_reviewers(count: int) -> list[User]:
    group = Group.objects.get(name="Reviewers")
    users = [User.objects.create_user(f"reviewer{n}") for n in range(count)]
    for user in users:
        user.groups.add(group)
    return users


def test_32_reviewers_drain_2000_tasks_each_done_exactly_once() -> None:
    make_tasks(2000)
    reviewers = make_reviewers(32)
    holding: dict[int, int] = {}
    guard = threading.Lock()
    violations: list[str] = []
    done: Counter[int] = Counter()

    def work(user: User) -> int:
        completed = 0
        try:
            while True:
                outcome = queue.task_claim_next(reviewer=user)
                if outcome is None:
                    return completed
                task = outcome.task
                with guard:
                    if task.pk in holding:
                        violations.append(
                            f"task {task.pk} leased to {user.pk} while {holding[task.pk]} held it"
                        )
                    holding[task.pk] = user.pk
                # Leave the lease visible to the others before submitting.
                with guard:
                    del holding[task.pk]
                queue.task_submit(task_id=task.pk, reviewer=user, lease_token=task.lease_token, data=VERDICT)
                with guard:
                    done[task.pk] += 1
                completed += 1
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=32) as pool:
        per_reviewer = list(pool.map(work, reviewers))

    assert violations == []
    assert sum(per_reviewer) == 2000
    assert len(done) == 2000
    assert set(done.values()) == {1}
    assert ReviewTask.objects.filter(status=TaskStatus.SUBMITTED).count() == 2000
    assert Verdict.objects.count() == 2000
    leases = Counter(
        ReviewEvent.objects.filter(action=EventAction.TASK_LEASED).values_list("task_id", flat=True)
    )
    assert len(leases) == 2000
    assert set(leases.values()) == {1}, "no task was ever leased twice"
    assert sum(1 for n in per_reviewer if n > 0) > 1, "the work was actually shared"


def test_one_reviewer_calling_next_twice_at_once_gets_one_lease() -> None:
    make_tasks(10)
    (alice,) = make_reviewers(1)
    barrier = threading.Barrier(8)

    def grab(_: int) -> int:
        try:
            barrier.wait()
            outcome = queue.task_claim_next(reviewer=alice)
            assert outcome is not None
            return outcome.task.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = set(pool.map(grab, range(8)))
    assert len(got) == 1
    assert ReviewTask.objects.filter(status=TaskStatus.LEASED).count() == 1
