"""Turning received bytes into text: UTF-8 when they are UTF-8, else a declared or detected legacy
encoding (Windows-1252, Latin-1, Latin-9), recorded with the article; or a refusal with the reason.

Detection (charset-normalizer) is limited to `LEGACY_ENCODINGS` on purpose: over every code page it
reads a short French or English text in Windows-1252 as Farsi (cp1006) or Estonian (cp775), because
almost any byte string decodes in some code page. Over these three it picks the right one, and bytes
that read as chaos in all three (random binary data, C1 controls) are refused.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Python codec name -> the name shown to people (the WHATWG label).
LEGACY_ENCODINGS = {"cp1252": "windows-1252", "latin_1": "iso-8859-1", "iso8859_15": "iso-8859-15"}
UTF8 = "utf-8"
_LABELS = {"utf-8": UTF8, "cp1252": "windows-1252", "iso8859-1": "iso-8859-1", "iso8859-15": "iso-8859-15"}

UNDECODABLE = (
    "not text in UTF-8, Windows-1252 or Latin-1 (invalid UTF-8 byte 0x{byte:02x} at offset {offset}, "
    "and no legacy encoding reads it as text)"
)


class UndecodableText(ValueError):
    """The bytes are not text in any encoding accepted; `str()` is the reason (no trailing period)."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8", "windows-1252", ... (WHATWG labels)
    # True when the encoding was detected from the bytes, False when they were UTF-8 or their charset
    # was declared (an HTTP Content-Type, an XML or HTML declaration) and decoded them without error.
    guessed: bool


def encoding_label(name: str) -> str | None:
    """The WHATWG-style label of a charset name Python knows ("latin1" -> "iso-8859-1"), else None."""
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    return _LABELS.get(codec.name, codec.name)


def text_decode(data: bytes, *, declared: str | None = None) -> DecodedText:
    """`data` as text. Order: UTF-8 (with or without a byte-order mark), since valid UTF-8 with non-ASCII
    bytes is practically never another encoding; then the `declared` charset, if Python knows it and it
    decodes every byte; then detection among `LEGACY_ENCODINGS`. Raises `UndecodableText`."""
    try:
        return DecodedText(text=data.decode("utf-8-sig"), encoding=UTF8, guessed=False)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if declared and (label := encoding_label(declared)) and label != UTF8:
        try:
            return DecodedText(text=data.decode(declared.strip().strip("\"'")), encoding=label, guessed=False)
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None or best.encoding not in LEGACY_ENCODINGS:
        raise UndecodableText(UNDECODABLE.format(byte=data[first_bad], offset=first_bad))
    return DecodedText(text=str(best), encoding=LEGACY_ENCODINGS[best.encoding], guessed=True)
