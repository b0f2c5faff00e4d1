"""What a payload is, when it is not the text it should be (compressed archives, invalid UTF-8), named
the same way by `manage.py ingest`, the API's parsers and the services; and text made safe to show.
"""

from __future__ import annotations

import re

from django.http import HttpResponse

# Magic numbers of the compressed or archive formats people send instead of the text inside them. A gzip
# file used to be refused as "binary file (contains NUL bytes)", which did not say what to do.
_COMPRESSED = (
    (b"\x1f\x8b", "gzip-compressed"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"BZh", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


def compressed_kind(data: bytes) -> str | None:
    """ "gzip-compressed", "a ZIP archive", ... when `data` starts like one, else None. A bzip2 stream
    has its block size digit after "BZh", so a text that merely starts with those letters is not one."""
    for magic, kind in _COMPRESSED:
        if data.startswith(magic):
            if magic == b"BZh" and not (len(data) > 3 and data[3:4].isdigit()):
                continue
            return kind
    return None


def compressed_refusal(kind: str) -> str:
    """The reason given for a compressed payload (`compressed_kind`), after the payload's name."""
    return f"{kind} data, not text; decompress it and send the text inside"


def utf8_problem(data: bytes) -> str | None:
    """None when `data` is valid UTF-8, else the reason, naming the first bad byte and its offset."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if kind := compressed_kind(data):
            return compressed_refusal(kind)
        return f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
    return None


# Unicode's Bidi_Control characters: the embeddings and overrides (U+202A-U+202E), the isolates
# (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). An override makes "this is false" display as
# something else; the others only matter to text written right to left, which this service does not
# extract claims from (its sentence splitter and scorer are English).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# The same characters as they appear in UTF-8 JSON (the API renders them unescaped: UNICODE_JSON). UTF-8
# is self-synchronising, so these byte sequences only ever occur as these characters.
_BIDI_CONTROLS_UTF8 = re.compile(
    b"|".join(
        re.escape(chr(code).encode())
        for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    )
)


def json_without_bidi_controls(rendered: bytes) -> bytes:
    """UTF-8 JSON (as the API renders it) without bidirectional control characters in its strings."""
    return _BIDI_CONTROLS_UTF8.sub(b"", rendered) if _BIDI_CONTROLS_UTF8.search(rendered) else rendered


def bidi_controls_removed(text: str) -> str:
    """`text` without bidirectional control characters (`BIDI_CONTROLS`)."""
    return BIDI_CONTROLS.sub("", text) if BIDI_CONTROLS.search(text) else text


def bidi_control_problem(text: str) -> str | None:
    """None, or why `text` is refused: it contains a bidirectional control character (named)."""
    found = BIDI_CONTROLS.search(text)
    if found is None:
        return None
    return (
        f"contains the invisible bidirectional control character U+{ord(found.group()):04X}, which can make "
        "the text display as something other than what it says; remove it"
    )


def page_without_bidi_controls(response: HttpResponse) -> HttpResponse:
    """A rendered public page without bidirectional control characters: claims, titles and notes stored
    before ingest and verdict validation removed or refused them cannot reorder what readers see, the
    page title included. For plain pages rendered in full: one pass over a few kilobytes."""
    text = response.content.decode(response.charset)
    if BIDI_CONTROLS.search(text):
        response.content = BIDI_CONTROLS.sub("", text).encode(response.charset)
    return response
