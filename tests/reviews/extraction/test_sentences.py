"""split_sentences: exact offsets, abbreviations that must not split, fragments dropped, speed."""

from __future__ import annotations

import pytest

from reviews.extraction import sentences
from reviews.extraction.cleaning import clean_article
from reviews.extraction.sentences import split_sentences
from tests.reviews.extraction.seeds import CLUTTER, all_seeds, seed


def _texts(body: str) -> list[str]:
    return [span.text for span in split_sentences(body)]


@pytest.mark.parametrize("raw", all_seeds())
def test_offsets_round_trip_and_indices_are_dense(raw: str) -> None:
    body = clean_article(raw).body
    spans = split_sentences(body)
    assert spans
    assert [s.index for s in spans] == list(range(len(spans)))
    previous_end = 0
    for span in spans:
        assert body[span.start : span.end] == span.text
        assert span.text == span.text.strip()
        assert span.start >= previous_end
        assert "\n\n" not in span.text
        previous_end = span.end


@pytest.mark.parametrize("raw", all_seeds())
def test_no_clutter_in_any_seed_sentence(raw: str) -> None:
    for span in split_sentences(clean_article(raw).body):
        for clutter in CLUTTER:
            assert clutter not in span.text


@pytest.mark.parametrize(
    ("prefix", "sentence"),
    [
        (
            "004",
            "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia "
            "after the United States delayed the delivery of F-16s to Iraq, partly out of fears in "
            "Washington about how Maliki was planning to use the jets.",
        ),
        (
            "001",
            "Once again, Mr. Lavrov expressed his hope that the activities of American troops in Iraq "
            "would reflect and aim to achieve the same goals stated in Washington \u2014 to fight terrorism "
            "and bring stability to the country \u2014 and that they would not pursue some other one-sided "
            "United States interests.",
        ),
        (
            "000",
            "The U.S. has spent up to $20 billion in military equipment and training for the Iraqi military.",
        ),
        ("001", "The arms deal was worth a total of 4.2 billion USD."),
    ],
)
def test_seed_sentences_are_whole(prefix: str, sentence: str) -> None:
    assert sentence in _texts(clean_article(seed(prefix)).body)


def test_truncated_tail_of_seed_004_is_not_a_sentence() -> None:
    texts = _texts(clean_article(seed("004")).body)
    assert texts[-1].endswith("Russian weapons have proved themselves as the very best.")
    assert "I know that" not in texts


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith met officials of the U.S. Dept. of State in Washington on Jan. 5, 2024.",
        "The U.S. government approved a $4.2 billion arms package for Iraq.",
        "Dr. Jones said the deal was worth 3.5 percent of G.D.P. last year.",
        "“We will not leave,” Mr. Trump told reporters in the U.S. capital.",
    ],
)
def test_abbreviations_decimals_and_money_do_not_split(sentence: str) -> None:
    body = f"{sentence} A second sentence follows here."
    assert _texts(body) == [sentence, "A second sentence follows here."]


def test_sentences_never_join_across_a_paragraph_break() -> None:
    body = "A heading without a full stop here\n\nThe first real sentence is here. And a second one."
    assert _texts(body) == [
        "A heading without a full stop here",
        "The first real sentence is here.",
        "And a second one.",
    ]


@pytest.mark.parametrize("fragment", ["2020", "—", "Share", "Read more", "I know that", "12.5 %", "* * *"])
def test_non_sentence_fragments_are_dropped(fragment: str) -> None:
    body = f"Russia signed a treaty with Iraq in 1972.\n\n{fragment}\n\nThe U.S. sent advisors."
    assert _texts(body) == ["Russia signed a treaty with Iraq in 1972.", "The U.S. sent advisors."]


def test_offsets_survive_irregular_whitespace() -> None:
    body = (
        "  Russia signed a treaty  with Iraq in 1972.   The U.S. sent\tadvisors in 2014.  \n \n"
        "  Iraq agreed quickly. "
    )
    spans = split_sentences(body)
    assert [body[s.start : s.end] for s in spans] == [s.text for s in spans]
    assert [s.text for s in spans] == [
        "Russia signed a treaty  with Iraq in 1972.",
        "The U.S. sent\tadvisors in 2014.",
        "Iraq agreed quickly.",
    ]


def test_locate_falls_back_to_whitespace_insensitive_search() -> None:
    body = "Alpha beta\tgamma delta."
    assert sentences._locate(body, "Alpha beta gamma delta.", 0, len(body)) == (0, len(body))
    assert sentences._locate(body, "not here", 0, len(body)) is None


def test_empty_body() -> None:
    assert split_sentences("") == []
    assert split_sentences("\n\n  \n") == []


# --- the longest sentence (FACTCHECK_MAX_CLAIM_CHARS) ------------------------------------------------


def _clause(n: int) -> str:
    return f"clause number {n} tells of the grain harvest in the northern province"


def test_a_sentence_within_the_limit_is_kept_whole() -> None:
    sentence = "Exports rose by 4 percent; imports fell by 2 percent, the ministry said."
    assert _texts(sentence) == [sentence]
    assert [s.text for s in split_sentences(sentence, max_chars=len(sentence))] == [sentence]


def test_a_long_sentence_is_split_at_semicolons_before_commas() -> None:
    body = "Exports rose by 4 percent, the ministry said; imports fell by 2 percent, it added."
    spans = split_sentences(body, max_chars=50)
    assert [s.text for s in spans] == [
        "Exports rose by 4 percent, the ministry said;",
        "imports fell by 2 percent, it added.",
    ]
    assert all(body[s.start : s.end] == s.text for s in spans)
    assert [s.index for s in spans] == [0, 1]


def test_clauses_are_packed_into_parts_of_at_most_the_limit() -> None:
    body = ", ".join(_clause(n) for n in range(40)) + "."
    spans = split_sentences(body, max_chars=300)
    assert len(spans) > 1
    assert all(len(s.text) <= 300 for s in spans)
    assert all(body[s.start : s.end] == s.text for s in spans)
    # Nothing is lost but the spaces between the parts.
    assert " ".join(s.text for s in spans) == body
    # Packed: no two neighbours would have fitted together.
    assert all(spans[i + 1].end - spans[i].start > 300 for i in range(len(spans) - 1))


def test_colons_and_dashes_are_boundaries_too() -> None:
    body = "The minister said this: exports rose sharply in March \u2014 a record for the port of Basra."
    assert [s.text for s in split_sentences(body, max_chars=40)] == [
        "The minister said this:",
        "exports rose sharply in March",
        "a record for the port of Basra.",
    ]


def test_a_long_sentence_without_clause_boundaries_is_refused() -> None:
    body = "Intro sentence here is short.\n\n" + " ".join(["word"] * 50_000)
    with pytest.raises(sentences.SentenceTooLong) as info:
        split_sentences(body)
    assert str(info.value) == (
        "a sentence (or clause) of 249,999 characters (at offset 31 of the cleaned text) has no clause "
        "boundary to split it at; a claim may be at most 1,000 characters"
    )


def test_a_clause_still_too_long_after_splitting_is_refused() -> None:
    body = "Short clause here; " + " ".join(["word"] * 400) + "."
    with pytest.raises(sentences.SentenceTooLong, match="a sentence \\(or clause\\) of 2,000 characters"):
        split_sentences(body, max_chars=1000)
