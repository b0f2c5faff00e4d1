"""The extraction entry point (reviews/extraction/pipeline.py): repeats within an article."""

from __future__ import annotations

import pytest

from reviews.extraction.pipeline import (
    HeuristicScorer,
    extract_article,
    extract_articles,
    mark_repeats,
    repeat_key,
)
from reviews.extraction.types import ScoredSentence, SentenceSpan

CAPTION = "Russian President Vladimir Putin shakes hands with Iraq's prime minister in Moscow in 2015."


def sentence(index: int, text: str, *, score: float = 0.9, is_claim: bool = True) -> ScoredSentence:
    return ScoredSentence(
        span=SentenceSpan(index=index, start=index * 100, end=index * 100 + len(text), text=text),
        score=score,
        is_claim=is_claim,
    )


def test_a_sentence_printed_twice_is_one_claim_and_a_recorded_repeat() -> None:
    body = f"{CAPTION}\n\nIraq bought 40 helicopters in 2012. Prices rose 3% in May.\n\n{CAPTION}\n"
    result = extract_article(body, scorer=HeuristicScorer(), threshold=0.0)
    first, *middle, repeat = result.sentences
    assert (first.span.text, repeat.span.text) == (CAPTION, CAPTION)
    assert first.is_claim
    assert first.repeat_of is None
    assert repeat.repeat_of == first.span.index
    assert not repeat.is_claim
    assert body[repeat.span.start : repeat.span.end] == CAPTION, "the repeat keeps its own position"
    assert all(s.repeat_of is None for s in middle)


def test_repeats_ignore_case_spacing_and_unicode_form() -> None:
    assert repeat_key("Prices  rose\n3% in May.") == repeat_key("prices rose 3% in may.")
    assert repeat_key("Caf\u00e9 sales rose.") == repeat_key("Cafe\u0301 sales rose.")
    assert repeat_key("Prices rose 3%.") != repeat_key("Prices rose 4%.")


def test_the_first_occurrence_is_a_claim_when_any_occurrence_scored_as_one() -> None:
    marked = mark_repeats(
        [sentence(0, "Prices rose 3%.", score=0.2, is_claim=False), sentence(1, "prices rose 3%.", score=0.8)]
    )
    assert (marked[0].is_claim, marked[0].score, marked[0].repeat_of) == (True, 0.8, None)
    assert (marked[1].is_claim, marked[1].repeat_of) == (False, 0)


def test_three_copies_all_point_at_the_first() -> None:
    marked = mark_repeats([sentence(i, "Prices rose 3%.") for i in range(3)])
    assert [s.repeat_of for s in marked] == [None, 0, 0]
    assert [s.is_claim for s in marked] == [True, False, False]


class _TwoThresholdScorer:
    """Scores every sentence 0.5, between its sentence threshold (0.3) and its article threshold (0.6)."""

    version = "two-thresholds-1"
    default_threshold = 0.3
    news_threshold = 0.6

    def score(self, texts, *, batch_size=1):
        return [0.5 for _ in texts]


def test_articles_are_cut_at_the_news_threshold_unless_one_is_given() -> None:
    body = "Iraq bought 40 helicopters in 2012. Prices rose 3% in May.\n"
    default = extract_article(body, scorer=_TwoThresholdScorer())
    assert default.threshold == 0.6
    assert default.claims == []
    given = extract_article(body, scorer=_TwoThresholdScorer(), threshold=0.5)
    assert given.threshold == 0.5
    assert len(given.claims) == 2


def test_each_article_of_a_batch_is_cut_at_its_own_threshold() -> None:
    body = "Iraq bought 40 helicopters in 2012. Prices rose 3% in May.\n"
    items = [(body, "text/plain", "a"), (body + " ", "text/plain", "b"), (body + "  ", "text/plain", "c")]
    results = extract_articles(
        items, scorer=_TwoThresholdScorer(), threshold=0.55, thresholds=[0.4, None, 0.7]
    )
    assert [r.threshold for r in results] == [0.4, 0.55, 0.7]
    assert [len(r.claims) for r in results] == [2, 0, 0]
    news = extract_articles(items[:1], scorer=_TwoThresholdScorer(), thresholds=[None])
    assert news[0].threshold == 0.6
    with pytest.raises(ValueError, match="2 thresholds for 3 articles"):
        extract_articles(items, scorer=_TwoThresholdScorer(), thresholds=[0.4, 0.5])
