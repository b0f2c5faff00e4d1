"""Extraction in worker processes (`manage.py ingest --jobs N`).

Only this module and the pure extraction code are imported in a worker: no Django, no database. Each
worker loads its scorer once, in `init_worker`.
"""

from __future__ import annotations

from reviews.extraction.pipeline import SentenceScorer, extract_articles, get_sentence_scorer
from reviews.extraction.sentences import MAX_SENTENCE_CHARS
from reviews.extraction.types import ExtractionResult

_scorer: SentenceScorer | None = None
_threshold: float | None = None
_max_sentence_chars = MAX_SENTENCE_CHARS


def init_worker(
    scorer_kind: str, threshold: float | None, max_sentence_chars: int = MAX_SENTENCE_CHARS
) -> None:
    global _scorer, _threshold, _max_sentence_chars  # per-process state is the point of an initializer
    _scorer = get_sentence_scorer(scorer_kind)
    _threshold = threshold
    _max_sentence_chars = max_sentence_chars


def extract_in_worker(
    items: list[tuple[str, str, str]], thresholds: list[float | None] | None = None
) -> list[ExtractionResult]:
    """Extract a chunk of `(text, content_type, name)` articles, their sentences scored together, each at
    its own threshold when `thresholds` is given (the parent resolves the policy: no database here)."""
    return extract_articles(
        items,
        threshold=_threshold,
        scorer=_scorer,
        max_sentence_chars=_max_sentence_chars,
        thresholds=thresholds,
    )
