"""Editors correcting extraction: promote a sentence to a claim, demote a claim; re-extract an article.
Every transition and every refusal, with the exact messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User

from reviews.exceptions import ArticleRejected, InvalidTransition, NotAllowed, NotFound
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimStatus,
    EventAction,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services import queue
from reviews.services.articles import article_reextract
from reviews.services.claims import claim_demote, claim_promote
from reviews.services.scorecards import _EnqueueBuild
from reviews.services.verdicts import CitationInput, VerdictInput
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(exc_type: type[Exception], call: Callable[[], object]) -> str:
    with pytest.raises(exc_type) as info:
        call()
    return str(info.value)


def builds(callbacks: list[Callable[[], object]]) -> list[int]:
    return [cb.article_id for cb in callbacks if isinstance(cb, _EnqueueBuild)]


# --------------------------------------------------------------------------------------------------
# Promote
# --------------------------------------------------------------------------------------------------


def test_promote_queues_a_review(editor: User, django_capture_on_commit_callbacks: Any) -> None:
    sentence = ClaimFactory.create(status=ClaimStatus.SENTENCE, score=0.42)
    before = sentence.article.changed_at
    with django_capture_on_commit_callbacks() as callbacks:
        claim = claim_promote(claim_id=sentence.pk, editor=editor)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLAIM
    task = ReviewTask.objects.get(claim=claim)
    assert (task.status, task.priority) == (TaskStatus.AVAILABLE, 420)
    (event,) = ReviewEvent.objects.filter(action=EventAction.CLAIM_PROMOTED)
    assert (event.actor, event.claim_id, event.task, event.article_id) == (
        editor,
        claim.pk,
        task,
        claim.article_id,
    )
    assert (event.from_status, event.to_status) == ("sentence", "claim")
    assert Article.objects.get(pk=claim.article_id).changed_at > before
    assert builds(callbacks) == [claim.article_id]
    assert queue.task_claim_next(reviewer=_reviewer()) is not None  # reviewers can take it now


def _reviewer() -> User:
    from django.contrib.auth.models import Group

    user = UserFactory.create(username="rev-claims")
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def test_promote_refusals(editor: User, reviewer: User) -> None:
    claim = ClaimFactory.create(status=ClaimStatus.CLAIM)
    assert refused(InvalidTransition, lambda: claim_promote(claim_id=claim.pk, editor=editor)) == (
        f"Sentence {claim.pk} is already a check-worthy claim."
    )
    assert (
        refused(NotFound, lambda: claim_promote(claim_id=987654, editor=editor))
        == "Claim 987654 does not exist."
    )
    for user in (reviewer, AnonymousUser(), UserFactory.create(username="staff", is_staff=True)):
        assert refused(NotAllowed, partial(claim_promote, claim_id=claim.pk, editor=user)) == (
            "Only editors can promote sentences to claims."
        )


def test_promote_after_demote_opens_a_fresh_task(editor: User) -> None:
    task = ReviewTaskFactory.create()
    claim_demote(claim_id=task.claim_id, editor=editor)
    claim_promote(claim_id=task.claim_id, editor=editor)
    statuses = sorted(ReviewTask.objects.filter(claim_id=task.claim_id).values_list("status", flat=True))
    assert statuses == ["available", "cancelled"]


# --------------------------------------------------------------------------------------------------
# Demote
# --------------------------------------------------------------------------------------------------


def test_demote_cancels_the_untouched_task(editor: User, django_capture_on_commit_callbacks: Any) -> None:
    task = ReviewTaskFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        claim = claim_demote(claim_id=task.claim_id, editor=editor, reason="  Opinion, not a fact.  ")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SENTENCE
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    demoted = ReviewEvent.objects.get(action=EventAction.CLAIM_DEMOTED)
    assert (demoted.actor, demoted.task_id, demoted.note) == (editor, task.pk, "Opinion, not a fact.")
    cancelled = ReviewEvent.objects.get(action=EventAction.TASK_CANCELLED)
    assert (cancelled.task_id, cancelled.from_status, cancelled.to_status) == (
        task.pk,
        "available",
        "cancelled",
    )
    assert builds(callbacks) == [claim.article_id]


def test_demote_refuses_work_in_progress(editor: User, reviewer: User) -> None:
    task = ReviewTaskFactory.create()
    assert queue.task_claim_next(reviewer=reviewer) is not None
    assert refused(InvalidTransition, lambda: claim_demote(claim_id=task.claim_id, editor=editor)) == (
        f"Claim {task.claim_id} cannot be demoted: its review task {task.pk} is leased to a reviewer. "
        "Only claims nobody has worked on can be demoted."
    )
    assert Claim.objects.get(pk=task.claim_id).status == ClaimStatus.CLAIM
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.LEASED


def test_demote_refuses_a_claim_with_a_verdict(editor: User) -> None:
    from reviews.services.verdicts import verdict_create_by_editor

    claim = ClaimFactory.create()
    verdict = verdict_create_by_editor(
        claim_id=claim.pk,
        editor=editor,
        data=VerdictInput(
            rating="true", summary="Yes.", citations=(CitationInput(url="https://a.example/"),)
        ),
    )
    assert refused(InvalidTransition, lambda: claim_demote(claim_id=claim.pk, editor=editor)) == (
        f"Claim {claim.pk} cannot be demoted: "
        f"it has a verdict (verdict {verdict.pk}, submitted for editor review)."
    )


def test_demote_allows_a_claim_whose_drafts_were_abandoned(editor: User, reviewer: User) -> None:
    task = ReviewTaskFactory.create()
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    queue.task_save_draft(
        task_id=task.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        data=VerdictInput(summary="wip"),
    )
    queue.task_release(task_id=task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token)
    assert Verdict.objects.get(task=task).status == VerdictStatus.ABANDONED
    assert claim_demote(claim_id=task.claim_id, editor=editor).status == ClaimStatus.SENTENCE


def test_demote_refusals(editor: User, reviewer: User) -> None:
    sentence = ClaimFactory.create(status=ClaimStatus.SENTENCE)
    assert refused(InvalidTransition, lambda: claim_demote(claim_id=sentence.pk, editor=editor)) == (
        f"Sentence {sentence.pk} is not a claim; there is nothing to demote."
    )
    assert refused(NotAllowed, lambda: claim_demote(claim_id=sentence.pk, editor=reviewer)) == (
        "Only editors can demote claims."
    )
    assert (
        refused(NotFound, lambda: claim_demote(claim_id=987654, editor=editor))
        == "Claim 987654 does not exist."
    )


# --------------------------------------------------------------------------------------------------
# Re-extract an article
# --------------------------------------------------------------------------------------------------

TEXT = (
    "The unemployment rate fell to 4.1% in March 2023, the statistics office said. "
    "It was a sunny day. Exports grew by 12% compared with 2022."
)


def test_reextract_replaces_sentences_claims_and_tasks(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    article = ArticleFactory.create(raw_text=TEXT, body="stale body", status=ArticleStatus.READY)
    old = ClaimFactory.create(article=article, text="stale", start=0, end=5)
    ReviewTaskFactory.create(claim=old)
    with django_capture_on_commit_callbacks() as callbacks:
        result = article_reextract(article_id=article.pk, actor=editor)
    assert result.status == ArticleStatus.READY
    assert result.body.startswith("The unemployment rate fell")
    assert not Claim.objects.filter(pk=old.pk).exists()
    claims = list(Claim.objects.filter(article=article))
    assert len(claims) == 3
    checkworthy = [c for c in claims if c.status == ClaimStatus.CLAIM]
    assert checkworthy
    assert ReviewTask.objects.filter(claim__article=article).count() == len(checkworthy)
    event = ReviewEvent.objects.get(action=EventAction.ARTICLE_REEXTRACTED)
    assert (event.actor, event.article_id, event.to_status) == (editor, article.pk, "ready")
    assert event.data["previous_sentences"] == 1
    assert event.data["sentences"] == 3
    assert builds(callbacks) == [article.pk]


def test_reextract_retries_a_failed_article(editor: User) -> None:
    article = ArticleFactory.create(
        raw_text=TEXT, body="", status=ArticleStatus.FAILED, failure_reason="scorer crashed"
    )
    result = article_reextract(article_id=article.pk, actor=editor)
    assert (result.status, result.failure_reason) == (ArticleStatus.READY, "")


def test_reextract_refuses_once_review_work_exists(editor: User, reviewer: User) -> None:
    article = ArticleFactory.create(raw_text=TEXT)
    task = ReviewTaskFactory.create(claim=ClaimFactory.create(article=article))
    assert queue.task_claim_next(reviewer=reviewer) is not None
    assert refused(InvalidTransition, lambda: article_reextract(article_id=article.pk, actor=editor)) == (
        f"Article {article.pk} cannot be re-extracted: "
        "review work has started on its claims (see its audit log)."
    )
    assert ReviewTask.objects.filter(pk=task.pk).exists()


def test_reextract_refuses_an_article_with_verdicts(editor: User) -> None:
    from reviews.services.verdicts import verdict_create_by_editor

    article = ArticleFactory.create(raw_text=TEXT)
    claim = ClaimFactory.create(article=article)
    verdict_create_by_editor(
        claim_id=claim.pk, editor=editor, data=VerdictInput(rating="unverifiable", summary="No records.")
    )
    assert refused(InvalidTransition, lambda: article_reextract(article_id=article.pk, actor=editor)) == (
        f"Article {article.pk} cannot be re-extracted: "
        "1 of its claims has a verdict, which re-extracting would discard."
    )


def test_reextract_other_refusals(editor: User, reviewer: User) -> None:
    pending = ArticleFactory.create(raw_text=TEXT, status=ArticleStatus.PENDING)
    assert refused(InvalidTransition, lambda: article_reextract(article_id=pending.pk, actor=editor)) == (
        f"Article {pending.pk} is still waiting for extraction."
    )
    assert refused(NotFound, lambda: article_reextract(article_id=987654, actor=editor)) == (
        "Article 987654 does not exist."
    )
    assert refused(NotAllowed, lambda: article_reextract(article_id=pending.pk, actor=reviewer)) == (
        "Only editors can re-extract articles."
    )
    empty = ArticleFactory.create(raw_text="   \n  ", origin="blank.txt")
    old = ClaimFactory.create(article=empty)
    with pytest.raises(ArticleRejected) as info:
        article_reextract(article_id=empty.pk, actor=editor)
    assert info.value.message == "blank.txt: no sentences found after cleaning (nothing to review)."
    assert Claim.objects.filter(pk=old.pk).exists()  # nothing changed


def test_a_repeat_is_not_promoted(editor: User) -> None:
    first = ClaimFactory.create(status=ClaimStatus.SENTENCE)
    repeat = ClaimFactory.create(article=first.article, status=ClaimStatus.SENTENCE, repeat_of=first)
    assert refused(InvalidTransition, lambda: claim_promote(claim_id=repeat.pk, editor=editor)) == (
        f"Sentence {repeat.pk} repeats sentence {first.pk} of the same article, which is reviewed once "
        "for both: promote that one instead."
    )
    assert Claim.objects.get(pk=repeat.pk).status == ClaimStatus.SENTENCE
