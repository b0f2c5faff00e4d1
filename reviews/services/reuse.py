"""Verdict reuse: a reviewer whose claim matches a claim with a published verdict copies that verdict into
their own draft in one step.

The copy is the reviewer's draft like any other: they can change it, it is submitted through the queue
and an editor still publishes or returns it. It stays marked as reused (`Verdict.reused_from`, PROTECT)
with a link to the original for the editor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviews.exceptions import NotFound
from reviews.models import ClaimMatch, EventAction, ReviewTask, Verdict
from reviews.services.events import event_record
from reviews.services.queue import task_save_draft
from reviews.services.verdicts import VerdictInput, verdict_input_of
from reviews.workflow import VERDICT_IN_PROGRESS, Role, check, refuse


def _latest(verdict: Verdict) -> Callable[[], int | None]:
    def latest() -> int | None:
        return (
            Verdict.objects.published().filter(claim_id=verdict.claim_id).values_list("pk", flat=True).first()
        )

    return latest


def _matched(claim_id: int, other_id: int) -> bool:
    low, high = sorted((claim_id, other_id))
    return ClaimMatch.objects.live().filter(claim_id=low, other_claim_id=high).exists()


def verdict_reuse(
    *,
    task_id: int,
    reviewer: User,
    lease_token: uuid.UUID | str | None,
    verdict_id: int,
    rationale: str | None = None,
) -> Verdict:
    """Copy the published verdict `verdict_id` (its rating, summary and citations) into the reviewer's draft
    on the task, marked as reused from it. The rationale is the reviewer's own: `rationale` (what they
    typed) or, when None, their draft's. Returns the draft (a returned verdict stays returned, to be
    resubmitted).

    Refused, with nothing changed: when the reviewer does not hold the task with `lease_token`
    (`LeaseNotHeld`, 409, checked first, as for every save), when the verdict does not exist (404), is not
    the published version (`InvalidTransition`, 409: a draft, a submission, a superseded or retracted
    version), or is not on a claim matched with the task's claim (409; a match an editor rejected does not
    count).

    Locks the task (the queue's save, which also checks the lease), then the reused verdict FOR NO KEY
    UPDATE, so a correction or retraction of it waits for this copy or comes before it and refuses it.
    Not idempotent in effect but safe to repeat: reusing again copies the same content again.
    """
    source = (
        Verdict.objects.filter(pk=verdict_id).select_related("rating").prefetch_related("citations").first()
    )
    if rationale is None:
        # Unlocked: only this reviewer writes their draft, so at worst it races their own other request.
        rationale = (
            Verdict.objects.filter(task_id=task_id, reviewer=reviewer, status__in=VERDICT_IN_PROGRESS)
            .values_list("rationale", flat=True)
            .first()
        )
    base = verdict_input_of(source) if source is not None else VerdictInput()
    data = VerdictInput(
        rating=base.rating, summary=base.summary, rationale=rationale or "", citations=base.citations
    )
    with transaction.atomic():
        # Saving first checks the lease under the task's lock: whoever does not hold the task learns that,
        # and nothing about the verdict they named. Any refusal below rolls the save back.
        draft = task_save_draft(task_id=task_id, reviewer=reviewer, lease_token=lease_token, data=data)
        locked = (
            Verdict.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=verdict_id)
            .values_list("status", flat=True)
            .first()
        )
        if source is None or locked is None:
            raise NotFound(f"Verdict {verdict_id} does not exist.")
        source.status = locked
        check("verdict.reuse", source, role=Role.REVIEWER, latest=_latest(source))
        task = ReviewTask.objects.select_related("claim__article").get(pk=task_id)
        if source.claim_id == task.claim_id or not _matched(task.claim_id, source.claim_id):
            raise refuse("verdict.reuse", "not_matched", obj=source, claim=source.claim_id, own=task.claim_id)
        draft.reused_from = source
        Verdict.objects.filter(pk=draft.pk).update(reused_from=source, updated_at=timezone.now())
        event_record(
            action=EventAction.VERDICT_REUSED,
            actor=reviewer,
            claim=task.claim,
            task=task,
            verdict=draft,
            data={"reused_from": source.pk, "citations": len(data.citations)},
        )
    return draft
