"""The one entry point for extraction: raw article text in, cleaned article and scored sentences out.

Everything that decides what reaches the review queue sits behind `extract_article`, so the scorer can be
replaced without touching the services that store its output.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from reviews.extraction.annotate import classify_claim, extract_mentions, heuristic_score
from reviews.extraction.cleaning import clean_article
from reviews.extraction.sentences import MAX_SENTENCE_CHARS, SentenceSpan, SentenceTooLong, split_sentences
from reviews.extraction.types import ExtractionResult, ScoredSentence


class SentenceScorer(Protocol):
    version: str
    default_threshold: float  # for sentences on their own (debate transcripts, sentence files)
    news_threshold: float  # for articles: what extraction uses when no threshold is given

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]: ...


class HeuristicScorer:
    """The rule-based first extractor: no model to load, used where the learned scorer is switched off."""

    version = "heuristic-1"
    default_threshold = 0.5
    news_threshold = 0.5

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]:
        return [heuristic_score(text) for text in texts]


# The values FACTCHECK_SCORER may take (reviews.checks reports any other before a command starts).
SCORER_KINDS = ("model", "heuristic")


@functools.cache
def get_sentence_scorer(kind: str = "model") -> SentenceScorer:
    """The process-wide scorer of one kind: "model" (the shipped ONNX model) or "heuristic"."""
    if kind == "heuristic":
        return HeuristicScorer()
    if kind == "model":
        from reviews.extraction.scorer import get_scorer

        return get_scorer()
    raise ValueError(scorer_kind_problem(kind))


def scorer_kind_problem(kind: str) -> str:
    """What is wrong with FACTCHECK_SCORER = `kind` (not one of SCORER_KINDS)."""
    return f"FACTCHECK_SCORER must be {' or '.join(map(repr, SCORER_KINDS))}, not {kind!r}"


def extract_article(
    raw: str,
    *,
    content_type: str = "text/plain",
    filename: str = "",
    threshold: float | None = None,
    scorer: SentenceScorer | None = None,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> ExtractionResult:
    """Clean `raw`, split the body into sentences, score each, and type and annotate the claims.

    Every sentence is returned (claims and the rest) so editors can promote a missed one later; offsets
    index into `result.article.body`. A sentence over `max_sentence_chars` is split at clause boundaries;
    if one cannot be, the result has no sentences and `refused` says why. Pure: no I/O beyond loading
    the scorer once per process.
    """
    return extract_articles(
        [(raw, content_type, filename)],
        threshold=threshold,
        scorer=scorer,
        max_sentence_chars=max_sentence_chars,
    )[0]


def extract_articles(
    items: Sequence[tuple[str, str, str]],
    *,
    threshold: float | None = None,
    scorer: SentenceScorer | None = None,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
    thresholds: Sequence[float | None] | None = None,
) -> list[ExtractionResult]:
    """`extract_article` for several `(raw, content_type, filename)` items at once; `thresholds`, when
    given, is each item's own (None: `threshold`, else the scorer's news threshold).

    The sentences of all items go to the scorer in one call; it scores each sentence on its own, so the
    result for an article does not depend on which other articles came with it.
    """
    scorer = scorer or get_sentence_scorer()
    default = scorer.news_threshold if threshold is None else threshold
    if thresholds is not None and len(thresholds) != len(items):
        raise ValueError(f"{len(thresholds)} thresholds for {len(items)} articles")
    cuts = [default if t is None else t for t in (thresholds or [None] * len(items))]
    articles = [clean_article(raw, content_type=ctype, filename=name) for raw, ctype, name in items]
    spans: list[list[SentenceSpan]] = []
    refusals: list[str] = []
    for article in articles:
        try:
            spans.append(split_sentences(article.body, max_chars=max_sentence_chars))
            refusals.append("")
        except SentenceTooLong as exc:
            spans.append([])
            refusals.append(str(exc))
    scores = iter(scorer.score([span.text for article_spans in spans for span in article_spans]))
    results = []
    for article, article_spans, refused, cut in zip(articles, spans, refusals, cuts, strict=True):
        sentences = []
        for span in article_spans:
            score = min(1.0, max(0.0, float(next(scores))))
            sentences.append(
                ScoredSentence(
                    span=span,
                    score=score,
                    is_claim=score >= cut,
                    kind=classify_claim(span.text),
                    mentions=extract_mentions(span.text),
                )
            )
        results.append(
            ExtractionResult(
                article=article,
                sentences=mark_repeats(sentences),
                threshold=cut,
                scorer_version=scorer.version,
                refused=refused,
            )
        )
    return results


_SPACES = re.compile(r"\s+")


def repeat_key(text: str) -> str:
    """What makes two sentences of one article the same sentence: the same words, whatever the case,
    spacing or Unicode form."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def mark_repeats(sentences: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """Point every sentence that repeats an earlier one at its first occurrence and make it no claim: the
    first occurrence is the claim (a claim if any occurrence scored as one), the repeats keep their
    positions."""
    first: dict[str, ScoredSentence] = {}
    claimed: set[int] = set()
    marked: list[ScoredSentence] = []
    for sentence in sentences:
        original = first.setdefault(repeat_key(sentence.span.text), sentence)
        if original is sentence:
            marked.append(sentence)
            continue
        if sentence.is_claim:
            claimed.add(original.span.index)
        marked.append(dataclasses.replace(sentence, is_claim=False, repeat_of=original.span.index))
    return [
        dataclasses.replace(s, is_claim=True, score=max(s.score, _score_of_repeats(marked, s)))
        if s.span.index in claimed and not s.is_claim
        else s
        for s in marked
    ]


def _score_of_repeats(sentences: Sequence[ScoredSentence], original: ScoredSentence) -> float:
    return max(s.score for s in sentences if s.repeat_of == original.span.index)
