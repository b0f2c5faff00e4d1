"""Split a cleaned body into sentences with exact character offsets.

Why pysbd: its rules handle the abbreviations news text is full of ("Mr.", "U.S.", "Dept.", "Jan. 2024"),
decimals and money ("$4.2 billion") and quotations, without a model. It runs per paragraph, so a
sentence never spans a blank-line paragraph break.

Guarantees for the returned list:

* `body[s.start:s.end] == s.text` for every span, and `s.text` has no leading/trailing whitespace;
* spans are in body order, non-overlapping, and `index` runs 0..n-1 over the *returned* spans;
* no span crosses a blank-line paragraph break;
* fragments that are not sentences are dropped: no letters, fewer than `MIN_WORDS` words, or an
  unterminated fragment shorter than `MIN_UNTERMINATED_WORDS` words (e.g. a paywall cut "I know that").

Offsets are computed here, not taken from pysbd's `char_span` (which mis-places repeated sentences):
each segment is searched for forward from the end of the previous one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pysbd

from reviews.extraction.types import SentenceSpan

__all__ = ["MIN_UNTERMINATED_WORDS", "MIN_WORDS", "split_sentences"]

MIN_WORDS = 3
MIN_UNTERMINATED_WORDS = 4

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_TERMINATED = re.compile(r"[.!?\u2026:][\"'\u201d\u2019)\]]*$")


@functools.cache
def _segmenter() -> pysbd.Segmenter:
    """One Segmenter per process: building one compiles pysbd's rules, which costs more than a paragraph."""
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def split_sentences(body: str) -> list[SentenceSpan]:
    """Sentences of `body` in order, with offsets into `body` (see the module guarantees)."""
    spans: list[SentenceSpan] = []
    for para_start, para_end in _paragraphs(body):
        cursor = para_start
        for piece in _segmenter().segment(body[para_start:para_end]):
            located = _locate(body, piece, cursor, para_end)
            if located is None:
                continue
            start, end = located
            cursor = end
            text = body[start:end]
            if _is_sentence(text):
                spans.append(SentenceSpan(index=len(spans), start=start, end=end, text=text))
    return spans


def _paragraphs(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank paragraph, paragraphs being separated by blank lines."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        if body[start : match.start()].strip():
            yield start, match.start()
        start = match.end()
    if body[start:].strip():
        yield start, len(body)


def _locate(body: str, piece: str, cursor: int, limit: int) -> tuple[int, int] | None:
    """Where the stripped `piece` sits in body[cursor:limit]. Exact search first; if pysbd altered the
    whitespace, match its words separated by any whitespace. None if it cannot be found (then skipped)."""
    needle = piece.strip()
    if not needle:
        return None
    found = body.find(needle, cursor, limit)
    if found >= 0:
        return found, found + len(needle)
    loose = re.compile(r"\s+".join(re.escape(word) for word in needle.split()))
    match = loose.search(body, cursor, limit)
    return (match.start(), match.end()) if match else None


def _is_sentence(text: str) -> bool:
    """Keep real sentences; drop numbering, separators, one- or two-word clutter and cut-off fragments."""
    words = len(text.split())
    if words < MIN_WORDS or not _HAS_LETTER.search(text):
        return False
    return words >= MIN_UNTERMINATED_WORDS or _TERMINATED.search(text) is not None
