"""Decoding received bytes: UTF-8, a declared charset, or a detected legacy one; otherwise a reason."""

from __future__ import annotations

import random

import pytest

from reviews.charsets import DecodedText, UndecodableText, encoding_label, text_decode

FRENCH = "Le ministre a déclaré que le chômage a baissé de 3 % en 2023, selon l'Insee."
QUOTES = "The minister said “unemployment fell” by 3% in 2023 — a record, said Señor Müller."


def test_utf8_is_read_as_utf8_with_or_without_a_bom() -> None:
    assert text_decode(FRENCH.encode()) == DecodedText(FRENCH, "utf-8", guessed=False)
    assert text_decode(b"\xef\xbb\xbf" + FRENCH.encode()) == DecodedText(FRENCH, "utf-8", guessed=False)


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        (FRENCH, "cp1252", "windows-1252"),
        (QUOTES, "cp1252", "windows-1252"),
        ("café au lait", "latin-1", "windows-1252"),  # Latin-1 letters read the same in Windows-1252
    ],
)
def test_a_legacy_encoding_is_detected_and_marked_guessed(text: str, codec: str, label: str) -> None:
    assert text_decode(text.encode(codec)) == DecodedText(text, label, guessed=True)


def test_a_declared_charset_is_used_and_not_a_guess() -> None:
    data = "Ærø and café".encode("iso-8859-15")
    assert text_decode(data, declared="ISO-8859-15") == DecodedText(
        "Ærø and café", "iso-8859-15", guessed=False
    )
    assert text_decode(data, declared="latin1").encoding == "iso-8859-1"


def test_a_declared_charset_that_fails_falls_back_to_detection() -> None:
    data = QUOTES.encode("cp1252")
    assert text_decode(data, declared="ascii") == DecodedText(QUOTES, "windows-1252", guessed=True)
    assert text_decode(data, declared="no-such-charset") == DecodedText(QUOTES, "windows-1252", guessed=True)


def test_utf8_wins_over_a_wrong_declaration() -> None:
    assert text_decode(FRENCH.encode(), declared="iso-8859-1") == DecodedText(FRENCH, "utf-8", guessed=False)


def test_bytes_no_legacy_encoding_reads_are_refused_with_the_reason() -> None:
    data = b"Report " + bytes(random.Random(7).randrange(0x80, 0x100) for _ in range(3000))
    with pytest.raises(UndecodableText) as refused:
        text_decode(data)
    assert str(refused.value) == (
        f"not text in UTF-8, Windows-1252 or Latin-1 (invalid UTF-8 byte 0x{data[7]:02x} at offset 7, "
        "and no legacy encoding reads it as text)"
    )


@pytest.mark.parametrize(
    ("name", "label"),
    [("UTF8", "utf-8"), ("cp1252", "windows-1252"), ("Latin-1", "iso-8859-1"), ("nope", None)],
)
def test_encoding_labels(name: str, label: str | None) -> None:
    assert encoding_label(name) == label
