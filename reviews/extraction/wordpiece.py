"""BERT's uncased WordPiece tokenizer in plain Python, reading the vocabulary from the model's tokenizer.json.

It gives the same ids as Hugging Face `tokenizers` for the shipped model's tokenizer.json (BertNormalizer
with clean_text, handle_chinese_chars, lowercase and so accent stripping; BertPreTokenizer; WordPiece with
`##` continuations; `[CLS] ... [SEP]` and truncation to `max_len`), which
`tests/extraction/test_wordpiece.py` checks on the labelled datasets and on every Unicode character.
Doing it here instead of depending on `tokenizers` keeps the install small: that package and what it
pulls in (huggingface-hub, hf-xet, fsspec, an HTTP client) weigh about 40 MB and are not needed to split
short English sentences. Words are cached, so a corpus of news costs a dictionary lookup per word.
"""

from __future__ import annotations

import functools
import json
import re
import string
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# Rust's char::is_ascii_punctuation, which BertPreTokenizer uses besides Unicode's P* categories: the 32
# ASCII punctuation and symbol characters (`$`, `+`, `<`, `^`, `|`, ... are symbols to Unicode).
_ASCII_PUNCT = frozenset(string.punctuation)
_PUNCT_CLASS = re.escape(string.punctuation)
_ASCII_WORDS = re.compile(rf"[^\s{_PUNCT_CLASS}]+|[{_PUNCT_CLASS}]")
# ASCII control characters that BertNormalizer removes (all but tab, newline and carriage return, which
# are whitespace); ASCII whitespace other than space becomes a space, which the split ignores anyway.
_ASCII_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])

_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)

# Characters Rust's char::is_whitespace accepts (Unicode White_Space), which Python's str.isspace also
# accepts except for the four separators below that Python counts as whitespace and Rust does not.
_NOT_RUST_WHITESPACE = frozenset("\x1c\x1d\x1e\x1f")


def _is_whitespace(ch: str) -> bool:
    return ch.isspace() and ch not in _NOT_RUST_WHITESPACE


def _is_control(ch: str) -> bool:
    # BertNormalizer's is_control: control, format and private-use characters (Cc, Cf, Co), but not tab,
    # newline and carriage return. Unassigned code points (Cn) are kept, as `tokenizers` keeps them.
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co")


def _is_punctuation(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _normalise_unicode(text: str) -> str:
    """BertNormalizer for text with non-ASCII characters: clean, space out CJK, strip accents, lowercase."""
    out: list[str] = []
    for ch in text:
        if ch in ("\x00", "\ufffd") or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(ch):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    # Lowercased one character at a time, as `tokenizers` does: str.lower() would apply the final-sigma
    # rule ("ΟΔΟΣ" -> "οδος" with a final ς), which `tokenizers` does not.
    return "".join(ch.lower() for ch in decomposed if unicodedata.category(ch) != "Mn")


def _split_unicode(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace, and every punctuation character is a word of its own."""
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_whitespace(ch):
            if current:
                words.append("".join(current))
                current = []
        elif _is_punctuation(ch):
            if current:
                words.append("".join(current))
                current = []
            words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


class WordPieceTokenizer:
    """Encodes a sentence into the model's input ids. Safe to share between threads (the word cache is a
    functools.lru_cache, which is thread-safe)."""

    def __init__(self, tokenizer_json: Path | str, *, max_len: int) -> None:
        spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
        model = spec["model"]
        if model.get("type") != "WordPiece":
            raise ValueError(f"{tokenizer_json}: expected a WordPiece model, found {model.get('type')!r}")
        normalizer = spec.get("normalizer") or {}
        if normalizer.get("type") != "BertNormalizer" or not normalizer.get("lowercase", False):
            raise ValueError(f"{tokenizer_json}: expected an uncased BertNormalizer")
        self.vocab: dict[str, int] = dict(model["vocab"])
        self.prefix = str(model.get("continuing_subword_prefix", "##"))
        self.max_word_chars = int(model.get("max_input_chars_per_word", 100))
        self.unk_id = self.vocab[str(model.get("unk_token", "[UNK]"))]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab.get("[PAD]", 0)
        if max_len < 3:
            raise ValueError("max_len must leave room for [CLS], a token and [SEP]")
        self.max_len = max_len
        self.word_ids = functools.lru_cache(maxsize=200_000)(self._word_ids)

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first WordPiece; a word with an unknown piece is one [UNK]."""
        if len(word) > self.max_word_chars:
            return (self.unk_id,)
        vocab, ids, start = self.vocab, [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = vocab.get(piece)
                if found is not None:
                    ids.append(found)
                    break
                end -= 1
            else:
                return (self.unk_id,)
            start = end
        return tuple(ids)

    def words(self, text: str) -> list[str]:
        """The normalised, pre-tokenised words of `text`."""
        if text.isascii():
            return _ASCII_WORDS.findall(text.translate(_ASCII_CONTROL).lower())
        return _split_unicode(_normalise_unicode(text))

    def encode(self, text: str) -> list[int]:
        """`[CLS] pieces... [SEP]`, the pieces truncated so the whole is at most `max_len` ids."""
        room = self.max_len - 2
        ids = [self.cls_id]
        for word in self.words(text):
            ids.extend(self.word_ids(word))
            if len(ids) > room:
                break
        del ids[room + 1 :]
        ids.append(self.sep_id)
        return ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(text) for text in texts]
