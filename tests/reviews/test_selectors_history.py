"""A reviewer's history and figures, through the real services: every state a verdict reaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews.models import EventAction, ReviewEvent, Verdict, VerdictStatus
from reviews.selectors_history import FIGURES_DAYS, reviewer_figures, verdicts_of_reviewer
from reviews.services import queue
from reviews.services.verdicts import (
    VerdictInput,
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_return,
)
from tests.factories import ReviewTaskFactory
from tests.reviews.admin.desk import SUBMITTED, make_reviewer, submitted_verdict

pytestmark = pytest.mark.django_db

CORRECTED = VerdictInput(rating="false", summary="The figure is from 2009.", citations=SUBMITTED.citations)


def _resubmit(reviewer: User, verdict: Verdict) -> Verdict:
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == verdict.task_id
    return queue.task_submit(
        task_id=outcome.task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )


def _every_state(reviewer: User, editor: User) -> dict[str, Verdict]:
    """One verdict of `reviewer`'s in each state of their history, and a draft in their hands. Returns
    come last but one: the queue hands a reviewer their returned work before anything else."""
    waiting, returned, published, corrected, retracted = (submitted_verdict(reviewer) for _ in range(5))
    verdict_return(verdict_id=published.pk, editor=editor, note="Which year?")
    published = _resubmit(reviewer, published)
    verdict_publish(verdict_id=published.pk, editor=editor)
    verdict_publish(verdict_id=corrected.pk, editor=editor)
    verdict_correct(verdict_id=corrected.pk, editor=editor, data=CORRECTED, note="The year was wrong.")
    verdict_publish(verdict_id=retracted.pk, editor=editor)
    verdict_retract(verdict_id=retracted.pk, editor=editor, note="The article was withdrawn.")
    task = ReviewTaskFactory.create()
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == task.pk
    queue.task_save_draft(
        task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )
    verdict_return(verdict_id=returned.pk, editor=editor, note="Cite the report.")
    return {
        "submitted": waiting,
        "returned": returned,
        "published": published,
        "superseded": corrected,
        "retracted": retracted,
    }


def test_history_lists_every_state_the_reviewers_verdicts_reached(editor: User, reviewer: User) -> None:
    mine = _every_state(reviewer, editor)
    submitted_verdict(make_reviewer("other"))

    rows = list(verdicts_of_reviewer(user=reviewer))

    # Not the draft in their hands.
    assert Verdict.objects.filter(reviewer=reviewer, status=VerdictStatus.DRAFT).count() == 1
    assert {v.pk: v.status for v in rows} == {v.pk: state for state, v in mine.items()}
    by_state = {v.status: v for v in rows}
    assert by_state[VerdictStatus.RETURNED].editor_note == "Cite the report."
    assert by_state[VerdictStatus.PUBLISHED].editor_note == "Which year?"
    assert by_state[VerdictStatus.SUPERSEDED].next_version.correction_note == "The year was wrong."
    assert by_state[VerdictStatus.RETRACTED].retraction_note == "The article was withdrawn."
    # The correction an editor wrote keeps the reviewer's name, but is not theirs to list.
    assert Verdict.objects.filter(reviewer=reviewer, previous__isnull=False).count() == 1
    # Latest change first: the return came last.
    assert rows[0].pk == mine["returned"].pk


def test_history_never_lists_another_reviewers_verdicts(editor: User, reviewer: User) -> None:
    other = make_reviewer("other")
    theirs = _every_state(other, editor)
    assert list(verdicts_of_reviewer(user=reviewer)) == []
    assert {v.pk for v in verdicts_of_reviewer(user=other)} == {v.pk for v in theirs.values()}


def test_figures(editor: User, reviewer: User) -> None:
    _every_state(reviewer, editor)
    figures = reviewer_figures(user=reviewer)
    # Five verdicts, one of them resubmitted once: six submissions, two returns.
    assert (figures.submissions, figures.returns, figures.returned_percent) == (6, 2, 33)
    assert figures.submitted_this_week == 5
    assert figures.published_this_week == 3
    other = make_reviewer("other")
    assert reviewer_figures(user=other).returned_percent is None


def test_the_week_starts_on_monday(reviewer: User) -> None:
    wednesday = dt.datetime(2026, 12, 9, 15, tzinfo=dt.UTC)
    for when in (
        dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC),
    ):
        verdict = submitted_verdict(reviewer)
        ReviewEvent.objects.filter(verdict=verdict, action=EventAction.VERDICT_SUBMITTED).update(
            created_at=when
        )
    figures = reviewer_figures(user=reviewer, now=wednesday)
    assert figures.week_start == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert figures.submitted_this_week == 1
    assert figures.submissions == 2


def test_the_returned_rate_reads_the_last_four_weeks(editor: User, reviewer: User) -> None:
    old, recent = submitted_verdict(reviewer), submitted_verdict(reviewer)
    verdict_return(verdict_id=recent.pk, editor=editor, note="Which year?")
    verdict_return(verdict_id=old.pk, editor=editor, note="Cite it.")
    long_ago = timezone.now() - dt.timedelta(days=FIGURES_DAYS, hours=1)
    ReviewEvent.objects.filter(verdict=old).update(created_at=long_ago)
    # Another reviewer's verdict returned: not theirs.
    verdict_return(verdict_id=submitted_verdict(make_reviewer("other")).pk, editor=editor, note="No.")

    figures = reviewer_figures(user=reviewer)

    assert (figures.submissions, figures.returns, figures.returned_percent) == (1, 1, 100)


@pytest.mark.parametrize("scale", [1, 12])
def test_a_fixed_number_of_queries(
    scale: int, editor: User, reviewer: User, django_assert_num_queries: Any
) -> None:
    for _ in range(scale):
        verdict = submitted_verdict(reviewer)
        verdict_publish(verdict_id=verdict.pk, editor=editor)
        verdict_correct(verdict_id=verdict.pk, editor=editor, data=CORRECTED, note="Fixed.")
    with django_assert_num_queries(3):
        for verdict in verdicts_of_reviewer(user=reviewer):
            str(verdict.claim.text), str(verdict.claim.article), str(verdict.rating)
            assert verdict.next_version.correction_note == "Fixed."
        reviewer_figures(user=reviewer, now=timezone.now())
