"""Matching an article's claims against other articles' (reviews/services/matching_run.py), with the real
matching library (embedding model, facts, conflicts, vector index) on PostgreSQL."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
from django.utils import timezone

from reviews import matching
from reviews.extraction.types import SentenceSpan
from reviews.matching.reading import embed_readings, read_claims
from reviews.models import (
    Article,
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    ConflictKind,
    MatchingStatus,
    MatchStatus,
)
from reviews.services import matching_run
from reviews.services.matching_run import article_match
from reviews.services.scorecards import _EnqueueBuild
from reviews.services.vector_index import claims_index_reset
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_claims_index")]

FELL = "The unemployment rate fell to 4.1% in March, the lowest in a decade."
DROPPED = "Unemployment dropped to 4.1 percent in March, its lowest level in ten years."
OTHER_FIGURE = "Unemployment fell to 4.6% in March, the lowest level in a decade."
UNRELATED = "The city council approved a new budget for the parks on Tuesday."


def make_article(*paragraphs: list[str], checkworthy: bool = True) -> Article:
    """An extracted article whose sentences are `paragraphs` (blank line between paragraphs), every one a
    check-worthy claim unless told otherwise."""
    body, spans = "", []
    for number, sentences in enumerate(paragraphs):
        if number:
            body += "\n\n"
        for position, sentence in enumerate(sentences):
            if position:
                body += " "
            spans.append((len(body), sentence))
            body += sentence
    article = ArticleFactory.create(body=body, raw_text=body)
    Claim.objects.bulk_create(
        Claim(
            article=article,
            text=text,
            start=start,
            end=start + len(text),
            sentence_index=index,
            score=0.9,
            status=ClaimStatus.CLAIM if checkworthy else ClaimStatus.SENTENCE,
        )
        for index, (start, text) in enumerate(spans)
    )
    return article


def claim(article: Article, text: str) -> Claim:
    return Claim.objects.get(article=article, text=text)


def vector_of(stored: Claim) -> np.ndarray:
    assert stored.embedding is not None
    return matching.from_bytes(stored.embedding)


def pair(a: Claim, b: Claim) -> ClaimMatch:
    return ClaimMatch.objects.get(claim_id=min(a.pk, b.pk), other_claim_id=max(a.pk, b.pk))


def test_the_same_claim_in_two_articles_is_linked_once() -> None:
    first = make_article([FELL, UNRELATED])
    second = make_article([DROPPED])
    article_match(article_id=first.pk)
    outcome = article_match(article_id=second.pk)
    assert outcome is not None
    assert outcome.matches == 1
    match = pair(claim(first, FELL), claim(second, DROPPED))
    assert matching.MATCH_THRESHOLD <= match.similarity <= 1.0
    assert match.status == MatchStatus.SUGGESTED
    assert ClaimMatch.objects.count() == 1
    assert not ClaimConflict.objects.exists(), "the two state the same figure"
    assert set(Article.objects.values_list("matching_status", flat=True)) == {MatchingStatus.DONE}


def test_matching_stores_embedding_and_facts_in_postgresql() -> None:
    article = make_article([FELL])
    article_match(article_id=article.pk)
    stored = claim(article, FELL)
    assert stored.embedding is not None
    assert stored.embedded_at is not None
    assert matching.from_bytes(stored.embedding).shape == (matching.DIMENSIONS,)
    assert stored.facts["version"] == matching.FACTS_VERSION
    assert stored.facts["sentence"] == FELL


def test_a_fact_is_read_with_the_sentence_before_it_in_the_same_paragraph_only() -> None:
    before = "In 2012, Iraq signed an arms deal with Russia for attack helicopters."
    worth = "The arms deal was worth a total of 4.2 billion USD."
    joined = make_article([before, worth])
    split = make_article([before], [worth])
    article_match(article_id=joined.pk)
    article_match(article_id=split.pk)
    assert claim(joined, worth).facts["previous"] == before
    assert claim(split, worth).facts["previous"] is None


def test_a_claim_that_points_back_is_embedded_with_the_sentence_before_it() -> None:
    # "The arms deal was worth ..." says which deal only with the sentence before it: the worker embeds
    # what `manage.py evaluate_matching` measures (reviews.matching.reading), not the claim alone.
    before = "In 2012, Iraq signed an arms deal with Russia for attack helicopters."
    worth = "The arms deal was worth a total of 4.2 billion USD."
    joined = make_article([before, worth])
    split = make_article([before], [worth])
    article_match(article_id=joined.pk)
    article_match(article_id=split.pk)
    with_before, alone = matching.embed([f"{before} {worth}", worth])
    stored_joined = vector_of(claim(joined, worth))
    stored_split = vector_of(claim(split, worth))
    assert matching.cosine(stored_joined, with_before) > 0.999
    assert matching.cosine(stored_joined, alone) < 0.95
    assert matching.cosine(stored_split, alone) > 0.999


def test_claims_stored_by_an_older_reading_are_read_again() -> None:
    article = make_article([FELL])
    Claim.objects.filter(article=article).update(
        embedding=matching.to_bytes(matching.embed(["stale"])[0]), facts={"version": 1}
    )
    outcome = article_match(article_id=article.pk)
    assert outcome is not None
    assert outcome.embedded == 1
    stored = claim(article, FELL)
    assert stored.facts["version"] == matching.FACTS_VERSION
    assert matching.cosine(vector_of(stored), matching.embed([FELL])[0]) > 0.999


def test_matched_claims_that_disagree_record_a_conflict_with_its_sentences() -> None:
    first = make_article([FELL])
    second = make_article([OTHER_FIGURE])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    match = pair(claim(first, FELL), claim(second, OTHER_FIGURE))
    (conflict,) = ClaimConflict.objects.filter(match=match)
    assert conflict.kind == ConflictKind.PERCENT
    assert (conflict.value, conflict.other_value) == ("4.1%", "4.6%")
    assert (conflict.sentence, conflict.other_sentence) == (FELL, OTHER_FIGURE)
    assert not conflict.resolved


def test_claims_of_one_article_are_not_matched_with_each_other() -> None:
    article = make_article([FELL], [DROPPED])
    article_match(article_id=article.pk)
    assert not ClaimMatch.objects.exists()


def test_unmatched_claims_get_no_link_and_no_conflict() -> None:
    first = make_article([FELL])
    second = make_article([UNRELATED, "Turkey bought 100 tanks from Germany in 2019."])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    assert not ClaimMatch.objects.exists()
    assert not ClaimConflict.objects.exists()


def test_plain_sentences_are_not_matched() -> None:
    first = make_article([FELL])
    second = make_article([DROPPED], checkworthy=False)
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    assert not ClaimMatch.objects.exists()
    assert claim(second, DROPPED).embedding is None


def test_running_again_changes_nothing_and_keeps_editors_work() -> None:
    first = make_article([FELL])
    second = make_article([OTHER_FIGURE])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    editor = UserFactory.create()
    match = ClaimMatch.objects.get()
    ClaimMatch.objects.filter(pk=match.pk).update(
        status=MatchStatus.CONFIRMED, decided_by=editor, decided_at=timezone.now()
    )
    ClaimConflict.objects.update(
        resolved=True, resolved_by=editor, resolved_at=timezone.now(), resolution_note="4.1% per the bureau."
    )
    before = list(ClaimMatch.objects.values_list("pk", "claim_id", "other_claim_id", "status"))
    conflicts = list(ClaimConflict.objects.values_list("pk", "kind", "value", "other_value", "resolved"))
    for article in (first, second, first):
        article_match(article_id=article.pk)
    assert list(ClaimMatch.objects.values_list("pk", "claim_id", "other_claim_id", "status")) == before
    assert (
        list(ClaimConflict.objects.values_list("pk", "kind", "value", "other_value", "resolved")) == conflicts
    )


def test_a_fresh_process_finds_claims_embedded_earlier() -> None:
    """The index is rebuilt from PostgreSQL: a process that never saw the first article's claims (a
    restarted or another worker) still matches against them."""
    first = make_article([FELL])
    article_match(article_id=first.pk)
    claims_index_reset()
    second = make_article([DROPPED])
    article_match(article_id=second.pk)
    assert ClaimMatch.objects.count() == 1


def test_a_claim_embedded_late_with_a_low_id_is_still_found() -> None:
    """An id watermark would skip a claim embedded after claims with higher ids (matching retried, a
    sentence promoted); the index catches up by embedding time."""
    early = make_article([FELL])  # lower claim ids, matched last
    later = make_article([UNRELATED])
    article_match(article_id=later.pk)  # the index now holds a higher id
    article_match(article_id=early.pk)
    third = make_article([DROPPED])
    article_match(article_id=third.pk)
    assert ClaimMatch.objects.filter(claim=claim(early, FELL), other_claim=claim(third, DROPPED)).exists()


def test_a_match_that_no_longer_holds_is_dropped_on_the_next_run() -> None:
    first = make_article([FELL])
    second = make_article([DROPPED])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    # The other claim was demoted meanwhile (a plain sentence is matched with nothing).
    Claim.objects.filter(article=second).update(status=ClaimStatus.SENTENCE)
    article_match(article_id=first.pk)
    assert not ClaimMatch.objects.exists()


def test_a_claim_demoted_while_its_article_is_matched_is_linked_to_nothing() -> None:
    """An editor demotes a claim after the run has searched for it: the links are written in a transaction
    that reads the claims' status again (the demotion requests another run, which finds nothing)."""
    first = make_article([FELL])
    article_match(article_id=first.pk)
    second = make_article([DROPPED])
    search = matching_run._search

    def search_then_demote(*, article_id: int, own: dict[int, Claim]) -> Any:
        found = search(article_id=article_id, own=own)
        Claim.objects.filter(article=second).update(status=ClaimStatus.SENTENCE)
        return found

    with mock.patch.object(matching_run, "_search", search_then_demote):
        outcome = article_match(article_id=second.pk)
    assert outcome is not None
    assert outcome.matches == 0
    assert not ClaimMatch.objects.exists()


def test_a_rejected_match_stays_rejected() -> None:
    first = make_article([FELL])
    second = make_article([DROPPED])
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    ClaimMatch.objects.update(
        status=MatchStatus.REJECTED, decided_by=UserFactory.create(), decided_at=timezone.now()
    )
    article_match(article_id=second.pk)
    assert list(ClaimMatch.objects.values_list("status", flat=True)) == [MatchStatus.REJECTED]


@pytest.mark.parametrize(
    "text",
    [
        " ",
        "x" * 200_000,
        "Officials welcomed the decision and said more talks would follow.",
        "\u200b\u200b",
    ],
    ids=["blank", "huge", "no-numbers", "zero-width"],
)
def test_bad_input_is_matched_without_crashing(text: str) -> None:
    first = make_article([text])
    second = make_article([text, FELL])
    assert article_match(article_id=first.pk) is not None
    outcome = article_match(article_id=second.pk)
    assert outcome is not None
    assert outcome.article.matching_status == MatchingStatus.DONE
    assert not ClaimConflict.objects.exists()
    # A claim with words is linked to the same words in the other article; one without (blank, invisible)
    # is the zero vector and is linked to nothing.
    linked = ClaimMatch.objects.filter(claim__text=text, other_claim__text=text).count()
    assert (linked, ClaimMatch.objects.count()) == ((1, 1) if any(c.isalnum() for c in text) else (0, 0))


def test_a_gone_article_is_none_and_a_pending_one_is_left_alone() -> None:
    assert article_match(article_id=987654321) is None
    pending = ArticleFactory.create(status="pending")
    outcome = article_match(article_id=pending.pk)
    assert outcome is not None
    assert outcome.article.matching_status == MatchingStatus.PENDING


def test_a_request_made_during_a_run_leaves_the_article_pending() -> None:
    """Someone asked for matching again while it ran (a claim promoted): that request's task marks it."""
    article = make_article([FELL])
    embed = matching_run._embed_article

    def embed_then_request(target: Article) -> tuple[int, dict[int, Claim]]:
        done = embed(target)
        Article.objects.filter(pk=target.pk).update(matching_changed_at=timezone.now())
        return done

    with mock.patch.object(matching_run, "_embed_article", embed_then_request):
        outcome = article_match(article_id=article.pk)
    article.refresh_from_db()
    assert article.matching_status == MatchingStatus.PENDING
    assert outcome is not None  # the returned article shows the newer request's state, as stored
    assert (outcome.article.matching_status, outcome.article.matching_changed_at) == (
        article.matching_status,
        article.matching_changed_at,
    )
    outcome = article_match(article_id=article.pk)
    article.refresh_from_db()
    assert article.matching_status == MatchingStatus.DONE
    assert outcome is not None
    assert (outcome.article.matching_status, outcome.article.matching_changed_at) == (
        article.matching_status,
        article.matching_changed_at,
    )


def test_each_claim_of_an_article_stores_its_own_reading_in_one_write() -> None:
    """The embeddings' write sets each claim's own facts and vector (not a neighbour's), one stamp."""
    make_article([FELL])
    article = make_article([UNRELATED, DROPPED], [OTHER_FIGURE, "Prices rose 3% in May."])
    article_match(article_id=article.pk)
    rows = list(Claim.objects.filter(article=article).order_by("sentence_index"))
    spans = [SentenceSpan(index=c.sentence_index, start=c.start, end=c.end, text=c.text) for c in rows]
    readings = read_claims(article.body, spans, list(range(len(rows))))
    expected = embed_readings(readings)
    assert len({claim.embedded_at for claim in rows}) == 1
    assert rows[0].embedded_at is not None
    for claim, reading, vector in zip(rows, readings, expected, strict=True):
        assert claim.facts == dict(reading.facts)
        assert claim.embedding is not None
        assert np.allclose(matching.from_bytes(claim.embedding), vector, atol=1e-6)


def test_scorecards_are_rebuilt_only_when_open_conflicts_change(
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = make_article([FELL])
    second = make_article([OTHER_FIGURE])
    article_match(article_id=first.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        article_match(article_id=second.pk)
    assert sorted(c.article_id for c in callbacks if isinstance(c, _EnqueueBuild)) == [first.pk, second.pk]
    with django_capture_on_commit_callbacks() as callbacks:
        article_match(article_id=first.pk)
        article_match(article_id=second.pk)
    assert not [c for c in callbacks if isinstance(c, _EnqueueBuild)], "nothing changed"
