"""Reads for the reviewer's task page about claims across articles: the claims matched with the task's
claim (those with a published verdict first, each with what differs between the two sentences) and the
claim's conflicts, each seen from the reviewer's side.

Everything is read when the page is rendered, so a verdict published on a matched claim after the task was
leased shows on the next page load. Only published verdicts of other claims are shown: drafts and
submissions of other reviewers stay theirs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Exists, F, OuterRef, Q, When

from reviews.models import Claim, ClaimConflict, ClaimMatch, MatchStatus, Verdict
from reviews.sentence_diff import SentenceDiff, sentence_diff

# A claim repeated across many articles can have hundreds of matches; the page lists the best ones
# (published verdicts first, then by similarity) and says how many it left out.
MATCHES_SHOWN = 10
CONFLICTS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ConflictSide:
    """A conflict as the reviewer of `claim` reads it: their claim's value against the other claim's."""

    conflict: ClaimConflict
    claim: Claim  # the other claim, with its article
    value: str  # what the reviewer's claim states
    other_value: str  # what the other claim states
    sentence: str  # where the reviewer's value was read (the claim, or the sentence before it)
    other_sentence: str


@dataclass(frozen=True, slots=True)
class MatchedClaim:
    match: ClaimMatch
    claim: Claim  # the other claim, with its article
    verdict: Verdict | None  # its published verdict, rating and citations loaded
    diff: SentenceDiff  # from the other claim's sentence to the reviewer's
    conflicts: list[ConflictSide] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return self.match.similarity


@dataclass(frozen=True, slots=True)
class ClaimMatches:
    matches: list[MatchedClaim]
    more: int  # live matches not listed
    conflicts: list[ConflictSide]  # open ones first

    @property
    def reusable(self) -> list[MatchedClaim]:
        return [m for m in self.matches if m.verdict is not None]

    @property
    def unverified(self) -> list[MatchedClaim]:
        return [m for m in self.matches if m.verdict is None]

    @property
    def open_conflicts(self) -> int:
        return sum(1 for c in self.conflicts if not c.conflict.resolved)


def _other(match: ClaimMatch, claim_id: int) -> Claim:
    return match.other_claim if match.claim_id == claim_id else match.claim


def _conflict_side(conflict: ClaimConflict, claim_id: int) -> ConflictSide:
    match = conflict.match
    if match.claim_id == claim_id:
        return ConflictSide(
            conflict=conflict,
            claim=match.other_claim,
            value=conflict.value,
            other_value=conflict.other_value,
            sentence=conflict.sentence,
            other_sentence=conflict.other_sentence,
        )
    return ConflictSide(
        conflict=conflict,
        claim=match.claim,
        value=conflict.other_value,
        other_value=conflict.value,
        sentence=conflict.other_sentence,
        other_sentence=conflict.sentence,
    )


def claim_conflicts(*, claim: Claim, limit: int | None = None) -> list[ConflictSide]:
    """The conflicts between `claim` and the claims it is matched with (a rejected match has none), open
    ones first, newest first. One query."""
    conflicts = (
        ClaimConflict.objects.filter(Q(match__claim=claim) | Q(match__other_claim=claim))
        .exclude(match__status=MatchStatus.REJECTED)
        .select_related("match__claim__article", "match__other_claim__article")
        .order_by("resolved", "-created_at", "-id")[: limit or CONFLICTS_SHOWN]
    )
    return [_conflict_side(conflict, claim.pk) for conflict in conflicts]


def claim_matches(*, claim: Claim, limit: int | None = None) -> ClaimMatches:
    """The live matches of `claim` (suggested or confirmed), those whose other claim has a published
    verdict first, then by similarity; each with that verdict, the word diff and the pair's conflicts.
    At most five queries whatever the number of matches; one when there are none."""
    limit = limit or MATCHES_SHOWN
    published = Verdict.objects.published().filter(claim_id=OuterRef("other_id"))
    live = ClaimMatch.objects.live().of_claim(claim.pk)
    matches = list(
        live.annotate(
            other_id=Case(When(claim_id=claim.pk, then=F("other_claim_id")), default=F("claim_id")),
            has_verdict=Exists(published),
        )
        .select_related("claim__article", "other_claim__article")
        .order_by("-has_verdict", "-similarity", "id")[:limit]
    )
    total = len(matches) if len(matches) < limit else live.count()
    others = [_other(match, claim.pk) for match in matches]
    verdicts = {
        verdict.claim_id: verdict
        for verdict in Verdict.objects.published()
        .filter(claim_id__in=[other.pk for other in others])
        .select_related("rating")
        .prefetch_related("citations")
    }
    # Conflicts exist only between matched claims: without a live match there is nothing to read.
    conflicts = claim_conflicts(claim=claim) if matches else []
    by_match: dict[int, list[ConflictSide]] = defaultdict(list)
    for side in conflicts:
        by_match[side.conflict.match_id].append(side)
    return ClaimMatches(
        matches=[
            MatchedClaim(
                match=match,
                claim=other,
                verdict=verdicts.get(other.pk),
                diff=sentence_diff(other.text, claim.text),
                conflicts=by_match.get(match.pk, []),
            )
            for match, other in zip(matches, others, strict=True)
        ],
        more=total - len(matches),
        conflicts=conflicts,
    )
