"""Requesting, sweeping and deciding matches (reviews/services/matching.py), and the ways ingestion,
re-extraction and editors' corrections keep links right, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from reviews.exceptions import InvalidTransition, NotAllowed, NotFound
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    EventAction,
    MatchingStatus,
    MatchStatus,
    ReviewEvent,
    Scorecard,
)
from reviews.selectors_matching import lost_after, matching_due_ids
from reviews.services.articles import article_ingest, article_reextract
from reviews.services.claims import claim_demote, claim_promote
from reviews.services.matching import match_confirm, match_reject, matching_sweep
from reviews.services.matching_run import article_match
from reviews.services.scorecards import _EnqueueBuild, scorecards_build
from reviews.services.vector_index import claims_index_reset
from tests.reviews.services.test_matching_run import DROPPED, FELL, OTHER_FIGURE, claim, make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_claims_index")]

# Two reports that both state the same figure: every sentence carries a number, so the scorer keeps them.
REPORT_A = (
    "Jobs report\n\nThe unemployment rate fell to 4.1% in March 2023, the statistics office said. "
    "Exports grew by 12% compared with 2022.\n"
)
REPORT_B = (
    "Labour market\n\nUnemployment fell to 4.6% in March 2023, the lowest level in a decade, the "
    "statistics office said. Wages rose by 3% over the year.\n"
)


def matched_pair() -> ClaimMatch:
    first, second = make_article([FELL]), make_article([OTHER_FIGURE])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    return ClaimMatch.objects.get()


# --- ingest, re-extract, promote, demote ------------------------------------------------------------


def test_ingest_marks_matching_pending_and_matches_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = article_ingest(data=REPORT_A, name="a.txt").article
    with django_capture_on_commit_callbacks(execute=True):
        second = article_ingest(data=REPORT_B, name="b.txt").article
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.matching_status, second.matching_status) == (MatchingStatus.DONE, MatchingStatus.DONE)
    match = ClaimMatch.objects.get()
    assert {match.claim.article_id, match.other_claim.article_id} == {first.pk, second.pk}
    assert list(ClaimConflict.objects.values_list("kind", "value", "other_value")) == [
        ("percent", "4.1%", "4.6%")
    ]


def test_ingest_is_stored_when_matching_fails_and_the_sweep_retries(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        mock.patch("reviews.services.matching_run._embed_article", side_effect=RuntimeError("model gone")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = article_ingest(data=REPORT_A, name="a.txt")
    article = Article.objects.get(pk=outcome.article.pk)
    assert outcome.created
    assert article.status == ArticleStatus.READY
    assert article.claims.exists()
    assert article.matching_status == MatchingStatus.FAILED
    assert article.matching_error == "RuntimeError: model gone"
    assert matching_due_ids() == []
    later = timezone.now() + dt.timedelta(minutes=3)
    assert matching_due_ids(now=later) == [article.pk]
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert matching_sweep() == 1
    article.refresh_from_db()
    assert (article.matching_status, article.matching_attempts) == (MatchingStatus.DONE, 1)


def test_ingest_is_stored_when_the_broker_is_down(django_capture_on_commit_callbacks: Any) -> None:
    with (
        mock.patch("reviews.tasks.article_match_task.apply_async", side_effect=KombuOperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = article_ingest(data=REPORT_A, name="a.txt")
    article = Article.objects.get(pk=outcome.article.pk)
    assert article.matching_status == MatchingStatus.PENDING
    assert matching_due_ids(now=timezone.now() + lost_after()) == [article.pk]


def test_sweep_sends_lost_articles_once_per_wait() -> None:
    article = make_article([FELL])
    Article.objects.filter(pk=article.pk).update(matching_changed_at=timezone.now() - lost_after())
    with mock.patch("reviews.tasks.article_match_task.apply_async") as send:
        assert matching_sweep() == 1
        assert matching_sweep() == 0
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == (article.pk,)


def test_reextract_relinks_the_new_claims(editor: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = article_ingest(data=REPORT_A, name="a.txt").article
        second = article_ingest(data=REPORT_B, name="b.txt").article
    old = ClaimMatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        article_reextract(article_id=first.pk, actor=editor)
    new = ClaimMatch.objects.get()
    assert new.pk != old.pk
    assert {new.claim.article_id, new.other_claim.article_id} == {first.pk, second.pk}
    assert ClaimConflict.objects.filter(match=new).count() == 1
    assert not ClaimMatch.objects.filter(pk=old.pk).exists()


def test_demote_and_promote_request_matching_again(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = make_article([FELL]), make_article([DROPPED])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    dropped = claim(second, DROPPED)
    with django_capture_on_commit_callbacks(execute=True):
        claim_demote(claim_id=dropped.pk, editor=editor)
    assert not ClaimMatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        claim_promote(claim_id=dropped.pk, editor=editor)
    assert ClaimMatch.objects.count() == 1
    assert Article.objects.get(pk=second.pk).matching_status == MatchingStatus.DONE


# --- the race ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_articles_with_the_same_claim_matched_at_once_get_one_link_and_no_duplicate_conflict() -> None:
    for _ in range(5):
        Article.objects.all().delete()
        claims_index_reset()
        first, second = make_article([FELL]), make_article([OTHER_FIGURE])
        barrier = threading.Barrier(2)

        def run(article_id: int, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                article_match(article_id=article_id)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, [first.pk, second.pk]))
        assert ClaimMatch.objects.count() == 1
        assert list(ClaimConflict.objects.values_list("kind", "value", "other_value")) == [
            ("percent", "4.1%", "4.6%")
        ]
        assert set(
            Article.objects.filter(pk__in=[first.pk, second.pk]).values_list("matching_status", flat=True)
        ) == {MatchingStatus.DONE}


@pytest.mark.django_db(transaction=True)
def test_two_articles_with_the_same_claim_ingested_at_once_get_one_link_and_no_duplicate_conflict() -> None:
    """The whole path at once: two threads ingest two reports sharing a claim; each commit sends its
    article's matching (eager here, so it runs in that thread) and both runs overlap."""
    for round_number in range(3):
        claims_index_reset()
        barrier = threading.Barrier(2)

        def ingest(text: str, barrier: threading.Barrier = barrier) -> int:
            try:
                barrier.wait()
                return article_ingest(data=text, name="report.txt").article.pk
            finally:
                connection.close()

        # Each round's reports differ in their first line, so they are new articles (new content).
        texts = [f"Round {round_number}: {report}" for report in (REPORT_A, REPORT_B)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.map(ingest, texts)
        between = ClaimMatch.objects.filter(
            claim__article_id__in=[first, second], other_claim__article_id__in=[first, second]
        )
        assert between.count() == 1
        # Which side is `value` depends on which thread stored its claim first.
        conflicts = ClaimConflict.objects.filter(match__in=between).values_list(
            "kind", "value", "other_value"
        )
        assert [(kind, {value, other}) for kind, value, other in conflicts] == [("percent", {"4.1%", "4.6%"})]
        assert set(
            Article.objects.filter(pk__in=[first, second]).values_list("matching_status", flat=True)
        ) == {MatchingStatus.DONE}


# --- editors' decisions ------------------------------------------------------------------------------


def test_confirm_records_who_and_when_and_an_event(editor: User) -> None:
    match = matched_pair()
    confirmed = match_confirm(match_id=match.pk, editor=editor)
    assert (confirmed.status, confirmed.decided_by) == (MatchStatus.CONFIRMED, editor)
    assert confirmed.decided_at is not None
    event = ReviewEvent.objects.get(action=EventAction.MATCH_CONFIRMED)
    assert (event.actor, event.claim_id, event.data["match"]) == (editor, match.claim_id, match.pk)
    with pytest.raises(InvalidTransition) as refused:
        match_confirm(match_id=match.pk, editor=editor)
    assert refused.value.message == f"Match {match.pk} is already confirmed by an editor."


def test_reject_deletes_the_conflicts_and_is_kept_by_matching(editor: User) -> None:
    match = matched_pair()
    assert ClaimConflict.objects.filter(match=match).exists()
    match_reject(match_id=match.pk, editor=editor)
    assert not ClaimConflict.objects.exists()
    article_match(article_id=match.claim.article_id)
    assert ClaimMatch.objects.get().status == MatchStatus.REJECTED
    assert not ClaimConflict.objects.exists()
    assert ReviewEvent.objects.filter(action=EventAction.MATCH_REJECTED).count() == 1


def test_decisions_are_for_editors_only(reviewer: User) -> None:
    match = matched_pair()
    with pytest.raises(NotAllowed) as refused:
        match_confirm(match_id=match.pk, editor=reviewer)
    assert refused.value.message == "Only editors can confirm matches."
    with pytest.raises(NotAllowed):
        match_reject(match_id=match.pk, editor=None)


def test_deciding_a_missing_match_is_not_found(editor: User) -> None:
    with pytest.raises(NotFound) as refused:
        match_reject(match_id=424242, editor=editor)
    assert refused.value.message == "Match 424242 does not exist."


def test_claims_of_a_deleted_article_take_their_matches_with_them() -> None:
    match = matched_pair()
    Claim.objects.filter(pk=match.claim_id).delete()
    assert not ClaimMatch.objects.exists()
    assert not ClaimConflict.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.CLAIM).count() == 1


# --- scorecards count open conflicts ----------------------------------------------------------------


def open_conflicts_shown(*article_ids: int) -> list[int]:
    return [Scorecard.objects.get(article_id=pk).data["open_conflicts"] for pk in article_ids]


@pytest.mark.parametrize(
    ("decide", "after"),
    [(match_confirm, 1), (match_reject, 0)],
    ids=["confirm", "reject"],
)
def test_a_decision_marks_both_scorecards_stale_and_rebuilds_them(
    editor: User, django_capture_on_commit_callbacks: Any, decide: Any, after: int
) -> None:
    match = matched_pair()
    sides = sorted({match.claim.article_id, match.other_claim.article_id})
    scorecards_build(article_ids=sides)
    assert open_conflicts_shown(*sides) == [1, 1]
    before = dict(Article.objects.filter(pk__in=sides).values_list("pk", "changed_at"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(match_id=match.pk, editor=editor)
    assert sorted(c.article_id for c in callbacks if isinstance(c, _EnqueueBuild)) == sides
    for pk, changed_at in Article.objects.filter(pk__in=sides).values_list("pk", "changed_at"):
        assert changed_at > before[pk]
    assert open_conflicts_shown(*sides) == [after, after]


def test_confirming_a_rejected_match_brings_its_conflicts_back_into_the_count(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    match = matched_pair()
    sides = sorted({match.claim.article_id, match.other_claim.article_id})
    with django_capture_on_commit_callbacks(execute=True):
        match_reject(match_id=match.pk, editor=editor)
    assert open_conflicts_shown(*sides) == [0, 0]
    with django_capture_on_commit_callbacks(execute=True):
        match_confirm(match_id=match.pk, editor=editor)
    assert list(ClaimConflict.objects.values_list("kind", "value", "other_value")) == [
        ("percent", "4.1%", "4.6%")
    ]
    assert open_conflicts_shown(*sides) == [1, 1]
    assert ClaimMatch.objects.get().status == MatchStatus.CONFIRMED


def test_reextract_marks_the_scorecard_of_the_other_side_of_a_lost_conflict_stale(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = article_ingest(data=REPORT_A, name="a.txt").article
        second = article_ingest(data=REPORT_B, name="b.txt").article
    assert ClaimConflict.objects.count() == 1
    scorecards_build(article_ids=[first.pk, second.pk])
    assert Scorecard.objects.get(article=second).data["open_conflicts"] == 1
    Article.objects.filter(pk=second.pk).update(scorecard_stale=False)
    changed_before = Article.objects.get(pk=second.pk).changed_at

    # The callbacks are not run: matching the new claims would find the conflict again.
    with django_capture_on_commit_callbacks() as callbacks:
        article_reextract(article_id=first.pk, actor=editor)

    assert not ClaimConflict.objects.exists()
    second.refresh_from_db()
    assert second.scorecard_stale
    assert second.changed_at > changed_before
    assert sorted(c.article_id for c in callbacks if isinstance(c, _EnqueueBuild)) == [first.pk, second.pk]
    scorecards_build(article_ids=[second.pk])
    assert Scorecard.objects.get(article=second).data["open_conflicts"] == 0
