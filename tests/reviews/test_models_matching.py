"""The named constraints of matches and conflicts, each tested to fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import ClaimConflict, ClaimMatch, ConflictKind, MatchStatus
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


def violates(name: str, action: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    assert name in str(excinfo.value)


def pair() -> tuple[int, int]:
    a, b = ClaimFactory.create(), ClaimFactory.create()
    return min(a.pk, b.pk), max(a.pk, b.pk)


def make_match(**kwargs: object) -> ClaimMatch:
    low, high = pair()
    values: dict[str, object] = {"claim_id": low, "other_claim_id": high, "similarity": 0.9}
    values.update(kwargs)
    return ClaimMatch.objects.create(**values)


def test_claimmatch_one_per_pair() -> None:
    match = make_match()
    violates(
        "claimmatch_one_per_pair",
        lambda: ClaimMatch.objects.create(
            claim_id=match.claim_id, other_claim_id=match.other_claim_id, similarity=0.8
        ),
    )


def test_claimmatch_ordered_pair_refuses_reversed_and_self_match() -> None:
    low, high = pair()
    violates(
        "claimmatch_ordered_pair",
        lambda: ClaimMatch.objects.create(claim_id=high, other_claim_id=low, similarity=0.9),
    )
    violates(
        "claimmatch_ordered_pair",
        lambda: ClaimMatch.objects.create(claim_id=low, other_claim_id=low, similarity=1.0),
    )


@pytest.mark.parametrize("similarity", [-0.01, 1.01])
def test_claimmatch_similarity_range(similarity: float) -> None:
    violates("claimmatch_similarity_range", lambda: make_match(similarity=similarity))


def test_claimmatch_status_valid() -> None:
    editor = UserFactory.create()
    violates(
        "claimmatch_status_valid",
        lambda: make_match(status="maybe", decided_by=editor, decided_at=timezone.now()),
    )


def test_claimmatch_decision_recorded() -> None:
    editor = UserFactory.create()
    violates("claimmatch_decision_recorded", lambda: make_match(status=MatchStatus.CONFIRMED))
    violates(
        "claimmatch_decision_recorded",
        lambda: make_match(decided_by=editor, decided_at=timezone.now()),
    )
    make_match(status=MatchStatus.REJECTED, decided_by=editor, decided_at=timezone.now())


def make_conflict(match: ClaimMatch, **kwargs: object) -> ClaimConflict:
    values: dict[str, object] = {
        "match": match,
        "kind": ConflictKind.YEAR,
        "value": "2012",
        "other_value": "2011",
        "sentence": "In 2012, Iraq signed the deal.",
        "other_sentence": "In 2011, Iraq signed the deal.",
    }
    values.update(kwargs)
    return ClaimConflict.objects.create(**values)


def test_claimconflict_unique_per_values() -> None:
    match = make_match()
    make_conflict(match)
    violates("claimconflict_unique_per_values", lambda: make_conflict(match))
    make_conflict(match, other_value="2010")


def test_claimconflict_values_differ() -> None:
    violates("claimconflict_values_differ", lambda: make_conflict(make_match(), other_value="2012"))


def test_claimconflict_kind_valid() -> None:
    violates("claimconflict_kind_valid", lambda: make_conflict(make_match(), kind="colour"))


def test_claimconflict_resolution_recorded() -> None:
    editor = UserFactory.create()
    match = make_match()
    violates(
        "claimconflict_resolution_recorded",
        lambda: make_conflict(match, resolved=True, resolution_note="2012 per the ministry"),
    )
    violates("claimconflict_resolution_recorded", lambda: make_conflict(match, resolved_by=editor))


def test_claimconflict_resolution_has_note() -> None:
    editor = UserFactory.create()
    match = make_match()
    violates(
        "claimconflict_resolution_has_note",
        lambda: make_conflict(match, resolved=True, resolved_by=editor, resolved_at=timezone.now()),
    )
    make_conflict(
        match,
        resolved=True,
        resolved_by=editor,
        resolved_at=timezone.now(),
        resolution_note="The ministry's record says 2012.",
    )
