"""Plain data passed between the extraction stages (cleaning -> sentences -> scoring -> annotation)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class ClaimKind(enum.StrEnum):
    """Claim types; `reviews.models.ClaimType` mirrors these values."""

    STATISTIC = "statistic"  # statistic / quantity
    QUOTE = "quote"  # quote or attribution
    EVENT = "event"
    CAUSAL = "causal"
    COMPARISON = "comparison"
    PREDICTION = "prediction"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CleanedArticle:
    """An article after cleaning: metadata lifted out of the page text, and the body left to read.

    `body` is what claims point into: every `SentenceSpan` offset is an index into this string.
    `unreadable` says why nothing could be read when the page itself is the obstacle (then `body` is
    empty); an article is refused with it instead of a bare "no sentences found".
    """

    body: str
    title: str = ""
    author: str = ""
    publisher: str = ""
    published: dt.date | None = None
    source_url: str = ""
    unreadable: str = ""


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """One sentence of a cleaned body: `body[start:end] == text`."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A sentence with its check-worthiness score and, when it is a claim, its type and mentions."""

    span: SentenceSpan
    score: float
    is_claim: bool
    kind: ClaimKind = ClaimKind.OTHER
    # JSON-serialisable: {"entities": [...], "numbers": [...], "dates": [...]}; see annotate.py.
    mentions: dict[str, Any] = field(default_factory=dict)
    # The index of the earlier sentence of the same article this one repeats word for word (a caption
    # printed twice, a pull quote): one claim, reviewed once, so a repeat is never a claim itself.
    repeat_of: int | None = None


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    article: CleanedArticle
    sentences: list[ScoredSentence]
    threshold: float
    scorer_version: str
    # Why the article cannot be stored although it was read (a sentence too long to be a claim and not
    # splittable: sentences.SentenceTooLong); `sentences` is empty then.
    refused: str = ""

    @property
    def claims(self) -> list[ScoredSentence]:
        return [s for s in self.sentences if s.is_claim]
