"""Split a cleaned body into sentences with exact character offsets.

Why pysbd: its rules handle the abbreviations news text is full of ("Mr.", "U.S.", "Dept.", "Jan. 2024"),
decimals and money ("$4.2 billion") and quotations, without a model. It runs per paragraph, so a
sentence never spans a blank-line paragraph break.

Guarantees for the returned list:

* `body[s.start:s.end] == s.text` for every span, and `s.text` has no leading/trailing whitespace;
* spans are in body order, non-overlapping, and `index` runs 0..n-1 over the *returned* spans;
* no span crosses a blank-line paragraph break;
* fragments that are not sentences are dropped: no letters, fewer than `MIN_WORDS` words, or an
  unterminated fragment shorter than `MIN_UNTERMINATED_WORDS` words (e.g. a paywall cut "I know that");
* no span is longer than `max_chars`: a longer sentence is split at its clause boundaries (semicolons
  first, then colons and dashes, then commas, packing as many clauses into each part as fit), and one
  that has none where it needs them raises `SentenceTooLong`. A claim is read, researched and published
  whole: a 200,000-character line without punctuation once became one claim and a 402 KB public page.

Offsets are computed here, not taken from pysbd's `char_span` (which mis-places repeated sentences):
each segment is searched for forward from the end of the previous one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pysbd

from reviews.extraction.types import SentenceSpan

__all__ = [
    "MAX_SENTENCE_CHARS",
    "MIN_UNTERMINATED_WORDS",
    "MIN_WORDS",
    "SentenceTooLong",
    "split_sentences",
]

MIN_WORDS = 3
MIN_UNTERMINATED_WORDS = 4
# The default longest sentence (Django's FACTCHECK_MAX_CLAIM_CHARS sets it for the services): about 170
# words, longer than any sentence a newsroom style guide lets through.
MAX_SENTENCE_CHARS = 1000

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_TERMINATED = re.compile(r"[.!?\u2026:][\"'\u201d\u2019)\]]*$")
# Clause boundaries, strongest first. The `keep` group is what stays at the end of the clause before the
# break (the semicolon, colon or comma; a dash between spaces goes with neither side).
_CLAUSE_BREAKS = (
    re.compile(r"(?P<keep>;)\s+"),
    re.compile(r"(?P<keep>:)\s+|\s+(?:--?|\u2014|\u2013)\s+"),
    re.compile(r"(?P<keep>,)\s+"),
)


class SentenceTooLong(ValueError):
    """A sentence longer than the limit without clause boundaries to split it at; the message says so."""


@functools.cache
def _segmenter() -> pysbd.Segmenter:
    """One Segmenter per process: building one compiles pysbd's rules, which costs more than a paragraph."""
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def split_sentences(body: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> list[SentenceSpan]:
    """Sentences of `body` in order, with offsets into `body` (see the module guarantees). Raises
    `SentenceTooLong` for a sentence over `max_chars` that cannot be split at clause boundaries."""
    spans: list[SentenceSpan] = []
    for para_start, para_end in _paragraphs(body):
        cursor = para_start
        for piece in _segmenter().segment(body[para_start:para_end]):
            located = _locate(body, piece, cursor, para_end)
            if located is None:
                continue
            start, end = located
            cursor = end
            if not _is_sentence(body[start:end]):
                continue
            for part_start, part_end in _split_long(body, start, end, max_chars, _CLAUSE_BREAKS):
                if not _HAS_LETTER.search(body, part_start, part_end):
                    continue
                spans.append(
                    SentenceSpan(
                        index=len(spans), start=part_start, end=part_end, text=body[part_start:part_end]
                    )
                )
    return spans


def _split_long(
    body: str, start: int, end: int, limit: int, breaks: tuple[re.Pattern[str], ...]
) -> list[tuple[int, int]]:
    """body[start:end] as parts of at most `limit` characters, cut at the strongest clause boundary that
    does it (consecutive clauses packed while they fit)."""
    if end - start <= limit:
        return [(start, end)]
    for level, pattern in enumerate(breaks):
        clauses: list[tuple[int, int]] = []
        clause_start = start
        for match in pattern.finditer(body, start, end):
            clauses.append((clause_start, match.start() + len(match.group("keep") or "")))
            clause_start = match.end()
        if not clauses:
            continue
        clauses.append((clause_start, end))
        packed: list[tuple[int, int]] = []
        for clause in clauses:
            if packed and clause[1] - packed[-1][0] <= limit:
                packed[-1] = (packed[-1][0], clause[1])
            else:
                packed.append(clause)
        parts: list[tuple[int, int]] = []
        for part_start, part_end in packed:
            parts.extend(_split_long(body, part_start, part_end, limit, breaks[level + 1 :]))
        return parts
    raise SentenceTooLong(
        f"a sentence (or clause) of {end - start:,} characters (at offset {start:,} of the cleaned text) "
        f"has no clause boundary to split it at; a claim may be at most {limit:,} characters"
    )


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
