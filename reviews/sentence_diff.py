"""What differs between two sentences, word by word, for people to read (a reviewer comparing their claim
with a matched claim that has a published verdict).

Pure Python, no ORM. The comparison is difflib's (the standard library's longest-matching-blocks
algorithm) over word and punctuation tokens compared without case, so "$4.2 billion" against
"4.2 billion USD" shows the dollar sign and "USD" as the difference, not the whole phrase. Each piece keeps
the original text with the spaces after it, so joining a side's pieces gives back its sentence exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

# A word (letters or digits, with inner dots, commas, apostrophes and hyphens: "4.2", "1,000",
# "al-Maliki", "Iraq's") or one other visible character, each with the spaces that follow it.
_TOKEN = re.compile(r"(?:\w+(?:[.,'\u2019\-]\w+)*|[^\w\s])\s*")
# Sentences longer than this many tokens are compared up to here (difflib is quadratic in the worst
# case, and a claim is one sentence, so only malformed input gets near it); the rest of each side is
# shown unmarked and the diff says it was cut.
MAX_TOKENS = 400

Kind = Literal["same", "changed", "uncompared"]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    kind: Kind

    @property
    def changed(self) -> bool:
        return self.kind == "changed"


@dataclass(frozen=True, slots=True)
class SentenceDiff:
    """`old` and `new` cover their sentences exactly; a "changed" piece of `old` is missing from `new`
    (or replaced there), a "changed" piece of `new` is not in `old`."""

    old: list[Piece]
    new: list[Piece]
    truncated: bool  # a side was longer than MAX_TOKENS and its rest is "uncompared"

    @property
    def identical(self) -> bool:
        return not any(p.changed for p in (*self.old, *self.new)) and not self.truncated


def _tokens(text: str) -> tuple[str, list[str]]:
    """Leading spaces, then the tokens; together they are `text`."""
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    tokens = _TOKEN.findall(stripped)
    # Characters the pattern cannot take (none today: it takes any non-space) would be lost; keep them.
    assert lead + "".join(tokens) == text, "tokenisation must cover the text"
    return lead, tokens


def _key(token: str) -> str:
    return token.rstrip().casefold().replace("\u2019", "'")


def _merge(pieces: list[Piece]) -> list[Piece]:
    """Join neighbours of one kind; a changed piece's trailing spaces are not part of the change (a page
    would strike or underline them)."""
    split: list[Piece] = []
    for piece in pieces:
        text = piece.text.rstrip() if piece.kind == "changed" else piece.text
        split += [Piece(text, piece.kind), Piece(piece.text[len(text) :], "same")]
    merged: list[Piece] = []
    for piece in split:
        if piece.text and merged and merged[-1].kind == piece.kind:
            merged[-1] = Piece(merged[-1].text + piece.text, piece.kind)
        elif piece.text:
            merged.append(piece)
    return merged


def sentence_diff(old: str, new: str) -> SentenceDiff:
    """The word-level difference from `old` to `new`. Never fails: empty text gives no pieces."""
    old_lead, old_tokens = _tokens(old)
    new_lead, new_tokens = _tokens(new)
    truncated = len(old_tokens) > MAX_TOKENS or len(new_tokens) > MAX_TOKENS
    old_cmp, old_rest = old_tokens[:MAX_TOKENS], old_tokens[MAX_TOKENS:]
    new_cmp, new_rest = new_tokens[:MAX_TOKENS], new_tokens[MAX_TOKENS:]
    matcher = SequenceMatcher(None, [_key(t) for t in old_cmp], [_key(t) for t in new_cmp], autojunk=False)
    old_pieces = [Piece(old_lead, "same")]
    new_pieces = [Piece(new_lead, "same")]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind: Kind = "same" if tag == "equal" else "changed"
        old_pieces.append(Piece("".join(old_cmp[i1:i2]), kind))
        new_pieces.append(Piece("".join(new_cmp[j1:j2]), kind))
    old_pieces.append(Piece("".join(old_rest), "uncompared"))
    new_pieces.append(Piece("".join(new_rest), "uncompared"))
    return SentenceDiff(old=_merge(old_pieces), new=_merge(new_pieces), truncated=truncated)
