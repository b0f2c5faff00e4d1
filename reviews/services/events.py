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
    # The claim and article by id, when the caller has only their ids (reading the rows would cost a
    # statement): used where `claim` and `article` are not given.
    claim_id: int | None
    article_id: int | None


def event_record(**fields: Unpack[EventFields]) -> ReviewEvent:
    """Store the audit row for a change. The actor is stored only when it is a user (anonymous callers
    and the system are None); the article defaults to the claim's. The claim and article may be given
    as rows or, when only their ids are at hand, as ids."""
    actor = fields.get("actor")
    claim = fields.get("claim")
    article = fields.get("article")
    if article is None and claim is not None:
        article = claim.article
    # A row given stays on the event (reading it back costs no statement); an id alone is stored as is.
    refs: dict[str, Any] = {}
    if article is not None:
        refs["article"] = article
    else:
        refs["article_id"] = fields.get("article_id")
    if claim is not None:
        refs["claim"] = claim
    else:
        refs["claim_id"] = fields.get("claim_id")
    return ReviewEvent.objects.create(
        action=fields["action"],
        actor=actor if isinstance(actor, User) else None,
        **refs,
        task=fields.get("task"),
        verdict=fields.get("verdict"),
        from_status=fields.get("from_status", ""),
        to_status=fields.get("to_status", ""),
        note=fields.get("note", ""),
        data=fields.get("data") or {},
    )
