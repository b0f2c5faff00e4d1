"""How a stored claim is read for matching: the one code path the worker and the evaluation share.

A claim is compared with others through two things read from it: its embedding and its facts. Both
depend on the sentence before it in the same paragraph (`previous`): "The arms deal was worth 4.2 billion
USD." says which deal, and when, only with the sentence before it. The worker
(`reviews.services.matching_run`) reads claims from an article's stored body and sentence spans, and
`manage.py evaluate_matching` from a fresh extraction or the labelled set; both call `read_claims` and
`embed_readings`, so the figures docs/matching.md reports are the figures of what the desk runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from reviews.extraction.types import SentenceSpan
from reviews.matching.embedder import embed
from reviews.matching.facts import Facts, embedding_text, facts_of, previous_in_paragraph

__all__ = ["ClaimReading", "embed_readings", "read_claim", "read_claims"]

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class ClaimReading:
    sentence: str
    #: The sentence before the claim in the same paragraph, or None.
    previous: str | None
    #: What is embedded: the claim, or the sentence before it and the claim when the claim points back.
    text: str
    facts: Facts


def read_claim(sentence: str, previous: str | None) -> ClaimReading:
    """A claim whose previous sentence is already known (the labelled set states it)."""
    return ClaimReading(
        sentence=sentence,
        previous=previous,
        text=embedding_text(sentence, previous),
        facts=facts_of(sentence, previous),
    )


def read_claims(body: str, spans: Sequence[SentenceSpan], positions: Sequence[int]) -> list[ClaimReading]:
    """The claims at `positions` of an article's sentence `spans` (all its sentences, in order, with
    offsets into `body`), each with the sentence before it in its paragraph."""
    return [
        read_claim(spans[position].text, previous_in_paragraph(body, spans, position))
        for position in positions
    ]


def embed_readings(readings: Sequence[ClaimReading], embed_texts: Embed = embed) -> np.ndarray:
    """One unit float32 row per reading, each text run on its own (`Embedder.embed`'s default), so a
    claim's vector never depends on which claims it was embedded with."""
    return embed_texts([reading.text for reading in readings])
