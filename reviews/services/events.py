"""The audit log. Callers are services, inside their own transaction, so the event commits or rolls back
with the change it records."""

from __future__ import annotations

from typing import Any, Required, TypedDict, Unpack

from django.contrib.auth.models import AnonymousUser, User

from reviews.models import Article, Claim, EventAction, ReviewEvent, ReviewTask, Verdict

# Who did it: a user, or None for the system (workers, sweeps). Anonymous users are recorded as None.
Actor = User | AnonymousUser | None


class EventFields(TypedDict, total=False):
    """What a caller says about a change; everything but the action is optional."""

    action: Required[EventAction]
    actor: Actor
    article: Article | None
    claim: Claim | None
    task: ReviewTask | None
    verdict: Verdict | None
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any] | None


def event_record(**fields: Unpack[EventFields]) -> ReviewEvent:
    """Store the audit row for a change. The actor is stored only when it is a user (anonymous callers
    and the system are None); the article defaults to the claim's."""
    actor = fields.get("actor")
    claim = fields.get("claim")
    article = fields.get("article")
    if article is None and claim is not None:
        article = claim.article
    return ReviewEvent.objects.create(
        action=fields["action"],
        actor=actor if isinstance(actor, User) else None,
        article=article,
        claim=claim,
        task=fields.get("task"),
        verdict=fields.get("verdict"),
        from_status=fields.get("from_status", ""),
        to_status=fields.get("to_status", ""),
        note=fields.get("note", ""),
        data=fields.get("data") or {},
    )
