"""What a payload is, when it is not the text it should be (compressed archives, invalid UTF-8), named
the same way by `manage.py ingest`, the API's parsers and the services.
"""

from __future__ import annotations

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
