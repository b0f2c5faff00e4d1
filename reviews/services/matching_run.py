"""Running the matching of one article (the body of `reviews.article_match`); see
`reviews.services.matching` for what is guaranteed. Imports the matching library (ONNX model, vector
index), so only the worker that runs the task loads it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews import matching
from reviews.extraction.types import SentenceSpan
from reviews.matching.facts import Facts
from reviews.matching.reading import embed_readings, read_claims
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    MatchingStatus,
    MatchStatus,
)
from reviews.services.vector_index import claims_index, claims_index_add

# Neighbours asked of the index per claim: the same claim is rarely told in more than a few articles,
# and every candidate is re-scored from the stored vectors before it is linked.
CANDIDATES = 10
VALUE_MAX = ClaimConflict._meta.get_field("value").max_length or 200


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    article: Article
    embedded: int
    matches: int
    conflicts: int


@dataclass(frozen=True, slots=True)
class _Stored:
    """A check-worthy claim's stored vector (decoded) and facts, as read from its row."""

    article_id: int
    vector: np.ndarray
    facts: Facts


@dataclass(frozen=True, slots=True)
class _Pair:
    """A live match of the article being matched, with what its conflicts are read from."""

    pk: int
    article_id: int
    facts: Facts
    other_article_id: int
    other_facts: Facts


def article_match(*, article_id: int) -> MatchOutcome | None:
    """Match the article's check-worthy claims against every other article's (the task's body).

    Returns None when the article is gone, and leaves an article still waiting for extraction alone
    (extraction requests matching when it stores the claims). Embeds the claims that have no vector yet
    (stored in their own short transaction first, see the module docstring), searches the index, and
    upserts the links and conflicts of this article's claims in one transaction. Marks the article
    matched unless someone requested matching again meanwhile (then that request's task does it).
    """
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return None
    requested_at = article.matching_changed_at
    if article.status != ArticleStatus.READY:
        return MatchOutcome(article=article, embedded=0, matches=0, conflicts=0)
    embedded, own = _embed_article(article)
    found, stored = _search(article_id=article_id, own=own)
    with transaction.atomic():
        pairs, dropped = _link(article_id=article_id, stored=stored, found=found)
        conflicts, changed = _record_conflicts(pairs)
        Article.objects.filter(pk=article_id, matching_changed_at=requested_at).update(
            matching_status=MatchingStatus.DONE, matching_changed_at=timezone.now(), matching_error=""
        )
        _request_scorecards(article_ids=changed | dropped)
    # The returned article shows its matching state as stored: this run's, or a newer request's.
    article.refresh_from_db(fields=["matching_status", "matching_changed_at", "matching_error"])
    return MatchOutcome(article=article, embedded=embedded, matches=len(pairs), conflicts=conflicts)


def _embed_article(article: Article) -> tuple[int, dict[int, Claim]]:
    """Store the facts and embedding of every check-worthy claim of `article` that has none yet (or facts
    read by an older version of the library). Committed before searching; returns how many, and the
    article's check-worthy claims with their vectors and facts as stored, by id (`_link` checks again
    that they still are, in its transaction)."""
    rows = list(
        Claim.objects.filter(article=article)
        .only("pk", "text", "start", "end", "sentence_index", "status", "embedding", "facts")
        .order_by("sentence_index")
    )
    spans = [SentenceSpan(index=c.sentence_index, start=c.start, end=c.end, text=c.text) for c in rows]
    todo = [
        (position, claim)
        for position, claim in enumerate(rows)
        if claim.status == ClaimStatus.CLAIM
        and (claim.embedding is None or claim.facts.get("version") != matching.FACTS_VERSION)
    ]
    own = {claim.pk: claim for claim in rows if claim.status == ClaimStatus.CLAIM}
    if not todo:
        return 0, {pk: claim for pk, claim in own.items() if claim.embedding is not None}
    # The same reading `manage.py evaluate_matching` measures: the claim with the sentence before it.
    readings = read_claims(article.body, spans, [position for position, _ in todo])
    vectors = embed_readings(readings)
    now = timezone.now()
    for (_, claim), reading, vector in zip(todo, readings, vectors, strict=True):
        claim.facts = dict(reading.facts)
        claim.embedding = matching.to_bytes(vector)
        claim.embedded_at = now
    changed = [claim for _, claim in todo]
    # One UPDATE for them all; a claim deleted meanwhile (re-extraction) is simply not updated.
    Claim.objects.bulk_update(changed, ["facts", "embedding", "embedded_at"])
    claims_index_add(vectors={claim.pk: bytes(claim.embedding) for claim in changed if claim.embedding})
    return len(changed), own


def _search(
    *, article_id: int, own: dict[int, Claim]
) -> tuple[dict[tuple[int, int], float], dict[int, _Stored]]:
    """Every (lower id, higher id) pair of one of `own` with a check-worthy claim of another article whose
    similarity reaches the threshold, computed from the stored vectors and facts; and the stored vector
    and facts of every claim read for it (`own` and the candidates still check-worthy)."""
    if not own:
        return {}, {}
    index = claims_index()
    stored = {
        pk: _Stored(article_id, matching.from_bytes(claim.embedding), cast(Facts, claim.facts))
        for pk, claim in own.items()
        if claim.embedding
    }
    candidates: dict[int, set[int]] = {
        pk: {hit for hit, _ in index.search(row.vector, k=CANDIDATES, exclude=own)}
        for pk, row in stored.items()
    }
    every = set().union(*candidates.values()) if candidates else set()
    stored |= _read_stored(every, other_than=article_id)
    found: dict[tuple[int, int], float] = {}
    for pk, hits in candidates.items():
        for hit in hits:
            other = stored.get(hit)
            if other is None or other.article_id == article_id:
                continue
            score = _similarity(stored[pk], other)
            if score >= matching.MATCH_THRESHOLD:
                found[(min(pk, hit), max(pk, hit))] = score
    return found, stored


def _read_stored(ids: Iterable[int], *, other_than: int | None = None) -> dict[int, _Stored]:
    """The stored vector and facts of the claims `ids` still check-worthy and embedded (leaving out those
    of article `other_than`). Rows, not model instances: a search reads a hundred or more candidates,
    each decoded once however many of the article's claims it is proposed to."""
    rows = Claim.objects.checkworthy().filter(pk__in=list(ids), embedding__isnull=False)
    if other_than is not None:
        rows = rows.exclude(article_id=other_than)
    return {
        pk: _Stored(article, matching.from_bytes(blob), cast(Facts, facts))
        for pk, article, blob, facts in rows.values_list("pk", "article_id", "embedding", "facts")
        if blob is not None  # excluded by the filter; says so to the type checker
    }


def _similarity(a: _Stored, b: _Stored) -> float:
    score = float(matching.similarity(a.vector, a.facts, b.vector, b.facts))
    return min(1.0, max(0.0, score))


def _link(
    *, article_id: int, stored: dict[int, _Stored], found: dict[tuple[int, int], float]
) -> tuple[list[_Pair], set[int]]:
    """Upsert the links found and re-score the article's existing ones; returns the live matches of the
    article's claims, and the articles of the matches dropped that had open conflicts. Suggested matches
    no longer above the threshold (or whose claim is no longer check-worthy) go; editors' decisions
    stay. `stored` holds the claims `_search` has just read (check-worthy, with a vector); only the
    other claims of matches it did not find again are read here."""
    # Matches by the ids of the article's claims: the indexes on both sides of a pair serve `claim_id IN
    # (...) OR other_claim_id IN (...)`, where filtering on the claims' article joins both tables in full.
    statuses = dict(Claim.objects.filter(article_id=article_id).values_list("pk", "status"))
    of_article = Q(claim_id__in=list(statuses)) | Q(other_claim_id__in=list(statuses))
    # A claim of the article demoted or deleted since it was read is linked to nothing new, and its
    # suggested matches go below.
    gone = {
        pk
        for pk, row in stored.items()
        if row.article_id == article_id and statuses.get(pk) != ClaimStatus.CLAIM
    }
    if gone:
        stored = {pk: row for pk, row in stored.items() if pk not in gone}
        found = {pair: score for pair, score in found.items() if not gone.intersection(pair)}
    existing = list(
        ClaimMatch.objects.filter(of_article).values_list("pk", "status", "claim_id", "other_claim_id")
    )
    unknown = {
        pk
        for _, _, first, second in existing
        if (first, second) not in found
        for pk in (first, second)
        if pk not in stored
    }
    if unknown:
        stored = stored | _read_stored(unknown)
    stale: list[int] = []
    for pk, status, first, second in existing:
        key = (first, second)
        if key in found:
            continue
        # A claim no longer check-worthy (or gone) is matched with nothing.
        a, b = stored.get(first), stored.get(second)
        score = _similarity(a, b) if a is not None and b is not None else 0.0
        if score >= matching.MATCH_THRESHOLD:
            found[key] = score
        elif status == MatchStatus.SUGGESTED:
            stale.append(pk)
        else:
            found[key] = score
    dropped: set[int] = set()
    if stale:
        for first, second in ClaimMatch.objects.filter(pk__in=stale, conflicts__resolved=False).values_list(
            "claim__article_id", "other_claim__article_id"
        ):
            dropped |= {first, second}
        ClaimMatch.objects.filter(pk__in=stale, status=MatchStatus.SUGGESTED).delete()
    now = timezone.now()
    # Sorted, so two transactions upserting overlapping pairs take their row locks in the same order.
    ClaimMatch.objects.bulk_create(
        [
            ClaimMatch(claim_id=low, other_claim_id=high, similarity=score, created_at=now, updated_at=now)
            for (low, high), score in sorted(found.items())
        ],
        update_conflicts=True,
        unique_fields=["claim", "other_claim"],
        update_fields=["similarity", "updated_at"],
    )
    # Read again after the upsert, which locked them: an editor's decision or another run may have
    # changed them meanwhile. The conflicts read the claims' facts: those `stored` does not hold (a
    # claim no longer check-worthy in a decided match, a pair another run has just linked) are read here.
    live = list(
        ClaimMatch.objects.live()
        .filter(of_article)
        .order_by("claim_id", "other_claim_id")
        .values_list("pk", "claim_id", "other_claim_id")
    )
    facts = {pk: (row.article_id, row.facts) for pk, row in stored.items()}
    missing = {pk for _, first, second in live for pk in (first, second) if pk not in facts}
    if missing:
        facts |= {
            pk: (claim_article_id, cast(Facts, claim_facts))
            for pk, claim_article_id, claim_facts in Claim.objects.filter(pk__in=missing).values_list(
                "pk", "article_id", "facts"
            )
        }
    # A claim deleted since (its matches go with it) leaves no pair.
    current = [
        _Pair(pk, *facts[first], *facts[second])
        for pk, first, second in live
        if first in facts and second in facts
    ]
    return current, dropped


def _record_conflicts(pairs: Sequence[_Pair]) -> tuple[int, set[int]]:
    """Upsert the conflicts of each live match and drop the open ones no longer found (resolved ones are
    an editor's work and stay). Returns how many conflicts the matches have now, and the articles whose
    open conflicts changed (their scorecards count them)."""
    rows: list[ClaimConflict] = []
    for pair in pairs:
        for conflict in matching.conflicts_between(pair.facts, pair.other_facts):
            value, other = conflict.value[:VALUE_MAX], conflict.other_value[:VALUE_MAX]
            if value == other:
                continue
            rows.append(
                ClaimConflict(
                    match_id=pair.pk,
                    kind=conflict.kind,
                    value=value,
                    other_value=other,
                    sentence=conflict.sentence,
                    other_sentence=conflict.other_sentence,
                )
            )
    by_id = {pair.pk: pair for pair in pairs}
    found = {(row.match_id, row.kind, row.value, row.other_value) for row in rows}
    stored = {
        (match_id, kind, value, other): (pk, resolved)
        for pk, match_id, kind, value, other, resolved in ClaimConflict.objects.filter(
            match_id__in=by_id
        ).values_list("pk", "match_id", "kind", "value", "other_value", "resolved")
    }
    gone = {key: pk for key, (pk, resolved) in stored.items() if not resolved and key not in found}
    if gone:
        ClaimConflict.objects.filter(pk__in=gone.values(), resolved=False).delete()
    new = [row for row in rows if (row.match_id, row.kind, row.value, row.other_value) not in stored]
    # Sorted, so two transactions inserting the same conflicts take the unique index's locks in one order.
    new.sort(key=lambda row: (row.match_id, row.kind, row.value, row.other_value))
    ClaimConflict.objects.bulk_create(new, ignore_conflicts=True)
    changed = {key[0] for key in gone} | {row.match_id for row in new}
    articles = {by_id[pk].article_id for pk in changed}
    articles |= {by_id[pk].other_article_id for pk in changed}
    return len(rows), articles


def _request_scorecards(*, article_ids: Iterable[int]) -> None:
    """Scorecards count open conflicts: those of the articles whose conflicts changed are rebuilt."""
    from reviews.services.scorecards import scorecard_request

    for pk in sorted(article_ids):
        scorecard_request(article=pk)
