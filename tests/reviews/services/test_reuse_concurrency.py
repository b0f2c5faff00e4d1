"""Reusing a verdict while an editor retracts it, with real threads on PostgreSQL (each thread its own
connection, real row locks): the reuse is refused with the workflow's reason, or it came first and the
draft's page and the editors' page flag its retracted origin. Never a draft silently reusing a retracted
verdict."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from reviews.exceptions import InvalidTransition
from reviews.models import Verdict, VerdictStatus
from reviews.selectors import task_workspace
from reviews.services.reuse import verdict_reuse
from reviews.services.verdicts import verdict_retract
from tests.reviews.matching_fixtures import Pair, matched_pair

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
STAGGER = 0.004  # seconds more per round before the retraction starts


def reuse(pair: Pair, reviewer: User, verdict_id: int, barrier: threading.Barrier) -> str:
    """ "reused", or the message the reuse was refused with."""
    try:
        barrier.wait()
        verdict_reuse(
            task_id=pair.task.pk, reviewer=reviewer, lease_token=pair.task.lease_token, verdict_id=verdict_id
        )
        return "reused"
    except InvalidTransition as refused:
        return refused.message
    finally:
        connection.close()


def retract(verdict_id: int, editor: User, barrier: threading.Barrier, delay: float) -> None:
    try:
        barrier.wait()
        # Staggered start: the reuse (which saves the draft first) wins some rounds and loses others.
        time.sleep(delay)
        verdict_retract(verdict_id=verdict_id, editor=editor, note="The source was withdrawn.")
    finally:
        connection.close()


def test_a_reuse_racing_the_retraction_of_its_verdict_is_refused_or_flagged(editor: User) -> None:
    outcomes: Counter[str] = Counter()
    reviewers = Group.objects.get(name="Reviewers")
    for number in range(ROUNDS):
        reviewer = User.objects.create_user(f"racer{number}")
        reviewer.groups.add(reviewers)
        pair = matched_pair(editor=editor, reviewer=reviewer)
        assert pair.source is not None
        source_id = pair.source.pk
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            reused = pool.submit(reuse, pair, reviewer, source_id, barrier)
            retracted = pool.submit(retract, source_id, editor, barrier, STAGGER * number)
            outcome = reused.result(timeout=60)
            retracted.result(timeout=60)
        assert Verdict.objects.get(pk=source_id).status == VerdictStatus.RETRACTED
        draft = Verdict.objects.filter(task=pair.task, status=VerdictStatus.DRAFT).first()
        if outcome == "reused":
            # It came first; the reviewer's page shows its origin as retracted (the warning reads this, see
            # tests/reviews/test_views_reuse.py; the editors' page, tests/reviews/admin/test_matching.py).
            assert draft is not None
            workspace = task_workspace(task=pair.task, user=reviewer)
            assert workspace.verdict is not None
            assert workspace.verdict.reused_from is not None
            assert workspace.verdict.reused_from.status == VerdictStatus.RETRACTED
        else:
            assert outcome == f"Verdict {source_id} is retracted; only a published verdict can be reused."
            assert draft is None or draft.reused_from_id is None  # refused with nothing changed
        outcomes["reused" if outcome == "reused" else "refused"] += 1
    assert sum(outcomes.values()) == ROUNDS
