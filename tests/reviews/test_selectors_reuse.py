"""What the task page reads about a claim's matches and conflicts (reviews/selectors_reuse.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews.models import ClaimConflict, ClaimMatch, ConflictKind, MatchStatus
from reviews.selectors_reuse import claim_conflicts, claim_matches
from tests.reviews.matching_fixtures import claim_in_article, link, publish_on

pytestmark = pytest.mark.django_db


def test_published_verdicts_come_first_then_similarity_and_rejected_matches_are_left_out(
    editor: User, django_assert_num_queries: Any
) -> None:
    mine = claim_in_article("Iraq signed a $4.2 billion arms deal with Russia in 2012.", title="Mine").claim
    close = claim_in_article("Iraq signed a $4.2 billion deal with Russia in 2012.", title="Close").claim
    verified = claim_in_article(
        "In 2012 Iraq agreed a $4.2 billion arms deal with Moscow.", title="Known"
    ).claim
    rejected = claim_in_article("Iraq bought Russian arms.", title="Rejected").claim
    link(mine, close, similarity=0.97)
    link(mine, verified, similarity=0.82)
    no = link(mine, rejected, similarity=0.99)
    ClaimMatch.objects.filter(pk=no.pk).update(
        status=MatchStatus.REJECTED, decided_by=editor, decided_at=timezone.now()
    )
    verdict = publish_on(verified, editor)

    with django_assert_num_queries(4):  # matches, verdicts, their citations, conflicts
        matches = claim_matches(claim=mine)

    assert [(m.claim.pk, m.similarity) for m in matches.matches] == [(verified.pk, 0.82), (close.pk, 0.97)]
    assert matches.matches[0].verdict == verdict
    assert matches.matches[1].verdict is None
    assert [m.claim.pk for m in matches.reusable] == [verified.pk]
    assert [m.claim.pk for m in matches.unverified] == [close.pk]
    assert matches.more == 0
    assert matches.conflicts == []


def test_a_claim_without_matches_costs_one_query(django_assert_num_queries: Any) -> None:
    mine = claim_in_article("Nothing else says this.", title="Alone").claim
    with django_assert_num_queries(1):
        matches = claim_matches(claim=mine)
    assert (matches.matches, matches.more, matches.conflicts) == ([], 0, [])


def test_a_conflict_reads_from_the_side_of_whichever_claim_asks(editor: User) -> None:
    first = claim_in_article("In 2012, Iraq signed the deal.", title="First").claim
    second = claim_in_article("In 2013, Iraq signed the deal.", title="Second").claim
    match = link(first, second)
    assert match.claim_id == first.pk
    ClaimConflict.objects.create(
        match=match,
        kind=ConflictKind.YEAR,
        value="2012",
        other_value="2013",
        sentence=first.text,
        other_sentence=second.text,
    )
    resolved = ClaimConflict.objects.create(
        match=match,
        kind=ConflictKind.ACTOR,
        value="Iraq",
        other_value="al-Maliki",
        sentence=first.text,
        other_sentence=second.text,
        resolved=True,
        resolution_note="Both: he signed for Iraq.",
        resolved_by=editor,
        resolved_at=timezone.now(),
    )

    from_first = claim_conflicts(claim=first)
    from_second = claim_conflicts(claim=second)

    assert [(c.value, c.other_value, c.claim.pk) for c in from_first] == [
        ("2012", "2013", second.pk),
        ("Iraq", "al-Maliki", second.pk),
    ]
    assert [(c.value, c.other_value, c.sentence, c.claim.pk) for c in from_second] == [
        ("2013", "2012", second.text, first.pk),
        ("al-Maliki", "Iraq", second.text, first.pk),
    ]
    assert from_second[-1].conflict == resolved  # open conflicts first
    assert claim_matches(claim=second).open_conflicts == 1
    assert [len(m.conflicts) for m in claim_matches(claim=second).matches] == [2]
