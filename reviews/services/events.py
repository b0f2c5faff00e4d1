"""The audit log. Callers are services, inside their own transaction, so the event commits or rolls back
with the change it records."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from reviews.models import Article, Claim, EventAction, ReviewEvent, ReviewTask, Verdict
from reviews.services.rows import row_insert

# Who did it: a user, or None for the system (workers, sweeps). Anonymous users are recorded as None.
Actor = User | AnonymousUser | None


def event_row(
    *,
    action: EventAction,
    actor: Actor = None,
    article: Article | None = None,
    claim: Claim | None = None,
    task: ReviewTask | None = None,
    verdict: Verdict | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ReviewEvent:
    """The audit row for a change, not yet stored: `event_record` stores it at once; the queue's hot path
    writes it together with the task (reviews/services/rows.py)."""
    user = actor if isinstance(actor, User) else None
    if article is None and claim is not None:
        article = claim.article
    return ReviewEvent(
        action=action,
        actor=user,
        article=article,
        claim=claim,
        task=task,
        verdict=verdict,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def event_record(
    *,
    action: EventAction,
    actor: Actor = None,
    article: Article | None = None,
    claim: Claim | None = None,
    task: ReviewTask | None = None,
    verdict: Verdict | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ReviewEvent:
    """Store the audit row for a change (see `event_row`)."""
    # Written with `row_insert` (reviews/services/rows.py): every transition records one, and this is the
    # same INSERT without compiling a new query each time.
    return row_insert(
        event_row(
            action=action,
            actor=actor,
            article=article,
            claim=claim,
            task=task,
            verdict=verdict,
            from_status=from_status,
            to_status=to_status,
            note=note,
            data=data,
        )
    )
