"""Editors resolving conflicts between matched claims (found by `reviews.services.matching_run`).

A resolution is an editor's work: matching again keeps it (only open conflicts that are no longer found
are dropped), and it records who resolved it, when and the note saying which side is right.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import ClaimConflict, EventAction
from reviews.services.events import Actor, event_record
from reviews.services.scorecards import scorecard_request
from reviews.workflow import CONFLICT_RESOLVED, Role, check, require_editor, target

NOTE_MAX = 2000


def conflict_resolve(*, conflict_id: int, editor: Actor, note: str) -> ClaimConflict:
    """Mark a conflict resolved with the editor's note (required). Locks the conflict, then the two
    articles (their scorecards count open conflicts) in id order. 409 if already resolved."""
    user = require_editor("conflict.resolve", editor)
    text = note.strip()
    if not text:
        raise ValidationFailed(
            "Say how the conflict was resolved (which value is right, or why both are).",
            field_errors={"note": ["This field is required."]},
        )
    if len(text) > NOTE_MAX:
        raise ValidationFailed(
            f"The note is too long ({len(text):,} characters; at most {NOTE_MAX:,}).",
            field_errors={"note": [f"At most {NOTE_MAX:,} characters."]},
        )
    with transaction.atomic():
        conflict = (
            ClaimConflict.objects.select_for_update(of=("self",))
            .select_related("match__claim", "match__other_claim")
            .filter(pk=conflict_id)
            .first()
        )
        if conflict is None:
            raise NotFound(f"Conflict {conflict_id} does not exist.")
        check("conflict.resolve", conflict, role=Role.EDITOR)
        # A conflict's state is its `resolved` flag.
        conflict.resolved = target("conflict.resolve") == CONFLICT_RESOLVED
        conflict.resolution_note = text
        conflict.resolved_by, conflict.resolved_at = user, timezone.now()
        conflict.save(update_fields=["resolved", "resolution_note", "resolved_by", "resolved_at"])
        match = conflict.match
        event_record(
            action=EventAction.CONFLICT_RESOLVED,
            actor=user,
            claim=match.claim,
            note=text,
            data={
                "conflict": conflict.pk,
                "match": match.pk,
                "kind": conflict.kind,
                "value": conflict.value,
                "other_value": conflict.other_value,
            },
        )
        for article_id in sorted({match.claim.article_id, match.other_claim.article_id}):
            scorecard_request(article=article_id)
    return conflict
