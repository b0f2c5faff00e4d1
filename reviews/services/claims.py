"""Editors' corrections to extraction: promote a scored sentence to a claim, demote a claim to a sentence.

Guarantees:
- Rows are locked in the order every verdict service uses: the claim (FOR NO KEY UPDATE, which lets a
  reviewer's commit check its foreign keys to the claim: services.locks), then its review task, and last
  the article (inside `scorecard_request`), so these calls do not deadlock with verdict or queue work
  (tests/reviews/services/test_lock_order.py).
- Promoting queues exactly one review task (reviewtask_one_open_per_claim); demoting cancels the claim's
  task only while nobody has worked on it, and is refused once a verdict exists, so no review work is
  ever thrown away.
- Each call writes its ReviewEvent(s) in the same transaction and asks for a scorecard rebuild and for
  the article's claims to be matched again (`services.matching`).
- A repeat of another sentence of the article (`Claim.repeat_of`) is never promoted: the sentence it
  repeats is the claim.
"""

from __future__ import annotations

from django.db import transaction

from reviews.models import (
    Claim,
    ClaimStatus,
    EventAction,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services.articles import task_article_date, task_base_priority
from reviews.services.events import Actor, event_record
from reviews.services.locks import claim_lock
from reviews.services.matching import matching_request
from reviews.services.scorecards import scorecard_request
from reviews.workflow import Role, check, refuse, require_editor, target

REASON_MAX = 2000


_lock_claim = claim_lock


def _open_task(claim: Claim) -> ReviewTask | None:
    return (
        ReviewTask.objects.select_for_update()
        .filter(claim=claim)
        .exclude(status=TaskStatus.CANCELLED)
        .first()
    )


def claim_promote(*, claim_id: int, editor: Actor) -> Claim:
    """Make a scored sentence a check-worthy claim and queue its review task (priority from its score).

    Locks the claim, its task, then the article (scorecard). A claim is refused (409): promoting twice
    would be a no-op the editor should hear about.
    """
    user = require_editor("claim.promote", editor)
    with transaction.atomic():
        claim = _lock_claim(claim_id)
        check("claim.promote", claim, role=Role.EDITOR, repeat=claim.repeat_of_id)
        claim.status = target("claim.promote")
        claim.save(update_fields=["status"])
        task = _open_task(claim)
        if task is None:
            task = ReviewTask.objects.create(
                claim=claim,
                priority=task_base_priority(claim.score),
                article_date=task_article_date(claim.article),
            )
        event_record(
            action=EventAction.CLAIM_PROMOTED,
            actor=user,
            article=claim.article,
            claim=claim,
            task=task,
            from_status=ClaimStatus.SENTENCE,
            to_status=claim.status,
            data={"score": claim.score, "priority": task.priority},
        )
        matching_request(article=claim.article)
        scorecard_request(article=claim.article)
    return claim


def claim_demote(*, claim_id: int, editor: Actor, reason: str = "") -> Claim:
    """Make a claim a plain scored sentence again, cancelling its review task.

    Refused (409) once review work exists: a task leased, submitted, returned or done, or any verdict
    other than an abandoned draft. Locks the claim, its task, then the article (scorecard).
    """
    user = require_editor("claim.demote", editor)
    note = reason.strip()[:REASON_MAX]
    with transaction.atomic():
        claim = _lock_claim(claim_id)
        check("claim.demote", claim, role=Role.EDITOR)
        task = _open_task(claim)
        if task is not None:
            check("task.cancel_with_claim", task, role=Role.EDITOR, claim=claim.pk)
        verdict = (
            Verdict.objects.filter(claim=claim)
            .exclude(status=VerdictStatus.ABANDONED)
            .order_by("-id")
            .first()
        )
        if verdict is not None:
            raise refuse(
                "claim.demote",
                "has_verdict",
                obj=claim,
                verdict=verdict.pk,
                verdict_state=verdict.get_status_display().lower(),
            )
        claim.status = target("claim.demote")
        claim.save(update_fields=["status"])
        if task is not None:
            task.status = target("task.cancel_with_claim")
            task.save(update_fields=["status", "updated_at"])
            event_record(
                action=EventAction.TASK_CANCELLED,
                actor=user,
                article=claim.article,
                claim=claim,
                task=task,
                from_status=TaskStatus.AVAILABLE,
                to_status=task.status,
                note="The claim was demoted to a sentence.",
            )
        event_record(
            action=EventAction.CLAIM_DEMOTED,
            actor=user,
            article=claim.article,
            claim=claim,
            task=task,
            from_status=ClaimStatus.CLAIM,
            to_status=claim.status,
            note=note,
        )
        matching_request(article=claim.article)
        scorecard_request(article=claim.article)
    return claim
