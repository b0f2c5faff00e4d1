"""Editors resolving conflicts (reviews/services/conflicts.py), on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from reviews.exceptions import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from reviews.models import Article, ClaimConflict, EventAction, ReviewEvent, Scorecard
from reviews.services.conflicts import conflict_resolve
from reviews.services.matching_run import article_match
from reviews.services.scorecards import _EnqueueBuild, scorecards_build
from tests.reviews.services.test_matching_run import FELL, OTHER_FIGURE, make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_claims_index")]


@pytest.fixture
def conflict() -> ClaimConflict:
    first, second = make_article([FELL]), make_article([OTHER_FIGURE])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    return ClaimConflict.objects.get()


def test_resolve_records_note_who_when_and_an_event(editor: User, conflict: ClaimConflict) -> None:
    resolved = conflict_resolve(conflict_id=conflict.pk, editor=editor, note="  4.1% per the bureau.  ")
    assert (resolved.resolved, resolved.resolution_note, resolved.resolved_by) == (
        True,
        "4.1% per the bureau.",
        editor,
    )
    assert resolved.resolved_at is not None
    event = ReviewEvent.objects.get(action=EventAction.CONFLICT_RESOLVED)
    assert (event.actor, event.note, event.data["conflict"]) == (editor, "4.1% per the bureau.", conflict.pk)


def test_a_resolution_survives_matching_again(editor: User, conflict: ClaimConflict) -> None:
    conflict_resolve(conflict_id=conflict.pk, editor=editor, note="4.1% per the bureau.")
    article_match(article_id=conflict.match.claim.article_id)
    assert ClaimConflict.objects.get().resolved


def test_resolving_twice_is_refused(editor: User, conflict: ClaimConflict) -> None:
    conflict_resolve(conflict_id=conflict.pk, editor=editor, note="4.1%.")
    with pytest.raises(InvalidTransition) as refused:
        conflict_resolve(conflict_id=conflict.pk, editor=editor, note="again")
    assert refused.value.message == f"Conflict {conflict.pk} is already resolved."


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("   ", "Say how the conflict was resolved (which value is right, or why both are)."),
        ("x" * 2001, "The note is too long (2,001 characters; at most 2,000)."),
    ],
)
def test_a_resolution_needs_a_short_note(
    editor: User, conflict: ClaimConflict, note: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        conflict_resolve(conflict_id=conflict.pk, editor=editor, note=note)
    assert refused.value.message == message
    assert not ClaimConflict.objects.get().resolved


def test_only_editors_resolve(reviewer: User, conflict: ClaimConflict) -> None:
    with pytest.raises(NotAllowed) as refused:
        conflict_resolve(conflict_id=conflict.pk, editor=reviewer, note="mine")
    assert refused.value.message == "Only editors can resolve conflicts."


def test_a_missing_conflict_is_not_found(editor: User) -> None:
    with pytest.raises(NotFound) as refused:
        conflict_resolve(conflict_id=999999, editor=editor, note="n")
    assert refused.value.message == "Conflict 999999 does not exist."


def test_resolving_marks_both_scorecards_stale_and_they_stop_counting_it(
    editor: User, conflict: ClaimConflict, django_capture_on_commit_callbacks: Any
) -> None:
    sides = sorted({conflict.match.claim.article_id, conflict.match.other_claim.article_id})
    scorecards_build(article_ids=sides)
    assert [Scorecard.objects.get(article_id=pk).data["open_conflicts"] for pk in sides] == [1, 1]
    before = dict(Article.objects.filter(pk__in=sides).values_list("pk", "changed_at"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        conflict_resolve(conflict_id=conflict.pk, editor=editor, note="4.1% per the bureau.")
    assert sorted(c.article_id for c in callbacks if isinstance(c, _EnqueueBuild)) == sides
    for pk, changed_at in Article.objects.filter(pk__in=sides).values_list("pk", "changed_at"):
        assert changed_at > before[pk]
    assert [Scorecard.objects.get(article_id=pk).data["open_conflicts"] for pk in sides] == [0, 0]
