"""The word diff shown beside a matched claim's published verdict."""

from __future__ import annotations

import pytest

from reviews.sentence_diff import MAX_TOKENS, Piece, sentence_diff

OLD = "In 2012, Iraq signed a $4.2 billion arms deal with Russia."
NEW = "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia."


def _changed(pieces: list[Piece]) -> list[str]:
    return [p.text.strip() for p in pieces if p.changed]


def test_marks_the_words_that_differ_and_keeps_both_sentences_whole() -> None:
    diff = sentence_diff(OLD, NEW)

    assert "".join(p.text for p in diff.old) == OLD
    assert "".join(p.text for p in diff.new) == NEW
    assert _changed(diff.old) == ["2012", "Iraq"]
    assert _changed(diff.new) == ["2013", "former Prime Minister Nouri al-Maliki"]
    assert not diff.identical
    assert not diff.truncated
    # The spaces after a change are not part of it.
    assert [p for p in diff.old if p.changed] == [Piece("2012", "changed"), Piece("Iraq", "changed")]


def test_case_and_curly_apostrophes_are_not_differences() -> None:
    diff = sentence_diff("Iraq's army grew.", "IRAQ\u2019S army grew.")

    assert diff.identical
    assert diff.old == [Piece("Iraq's army grew.", "same")]


def test_numbers_keep_their_inner_punctuation_and_units_stand_apart() -> None:
    diff = sentence_diff("The deal was worth $4.2 billion.", "The deal was worth 4.2 billion USD.")

    assert _changed(diff.old) == ["$"]
    assert _changed(diff.new) == ["USD"]


def test_a_sentence_against_nothing_is_all_changed_and_empty_gives_no_pieces() -> None:
    diff = sentence_diff("", "  Something new.")

    assert diff.old == []
    assert diff.new == [Piece("  ", "same"), Piece("Something new.", "changed")]
    assert sentence_diff("", "").identical


@pytest.mark.parametrize("extra", [1, 500])
def test_a_huge_sentence_is_compared_up_to_the_cap_and_says_so(extra: int) -> None:
    words = " ".join(f"w{i}" for i in range(MAX_TOKENS + extra))
    diff = sentence_diff(words, words + " tail")

    assert diff.truncated
    assert not diff.identical
    assert "".join(p.text for p in diff.new) == words + " tail"
    assert diff.new[-1].kind == "uncompared"
    assert all(p.kind != "changed" for p in diff.new)
