"""What a claim states: years, dates, amounts (normalised), percentages, counts, actors, and what it takes
from the sentence before it."""

from __future__ import annotations

import json

import pytest

from reviews.extraction.sentences import split_sentences
from reviews.matching.facts import MAX_SENTENCE_CHARS, facts_of, number_ranges_overlap, previous_in_paragraph

PREVIOUS_2012 = (
    "For instance, Iraq equipped its army with American weapons since the beginning of the US occupation "
    "in 2003, but in 2012, Iraq signed an arms supply agreement with Russia for Pantsir-S1 surface-to-air "
    "missile systems and a batch of Russian attack helicopters."
)


def kinds(facts, kind):
    return [f for f in facts["items"] if f["kind"] == kind]


def test_amounts_in_different_words_read_the_same() -> None:
    a = kinds(facts_of("Iraq signed a $4.2 billion arms deal."), "amount")
    b = kinds(facts_of("The arms deal was worth a total of 4.2 billion USD."), "amount")
    assert [(f["value"], f["unit"]) for f in a] == [(4.2e9, "USD")]
    assert [(f["value"], f["unit"]) for f in b] == [(4.2e9, "USD")]
    assert a[0]["low"] == pytest.approx(4.15e9)
    assert a[0]["high"] == pytest.approx(4.25e9)


def test_years_dates_percent_and_counts() -> None:
    facts = facts_of("On May 21, 2015, 1,200 troops arrived and unemployment fell to 3.5% in 2019.")
    assert [f["value"] for f in kinds(facts, "year")] == [2015, 2019]
    assert [f["value"] for f in kinds(facts, "date")] == ["2015-05-21"]
    assert [(f["value"], f["unit"]) for f in kinds(facts, "count")] == [(1200.0, "troop")]
    assert [f["value"] for f in kinds(facts, "percent")] == [3.5]


def test_hedged_figures_become_ranges() -> None:
    up_to = kinds(facts_of("Baghdad purchased up to $246 million of military aid."), "amount")[0]
    assert (up_to["low"], up_to["high"]) == (None, 246e6)
    more = kinds(facts_of("The quake killed more than 50,000 people."), "count")[0]
    assert (more["low"], more["high"]) == (50_000, None)
    about = kinds(facts_of("India has about 1.43 billion people."), "count")[0]
    assert about["low"] == pytest.approx(1.287e9)
    assert about["high"] == pytest.approx(1.573e9)


def test_ranges_overlap_and_same_direction_bounds_compare_as_figures() -> None:
    def amount(text):
        return kinds(facts_of(text), "amount")[0]

    assert number_ranges_overlap(amount("It cost $4.2 billion."), amount("It cost 4.23 billion USD."))
    assert not number_ranges_overlap(amount("It cost $4.2 billion."), amount("It cost $4.4 billion."))
    assert number_ranges_overlap(amount("It cost up to $20 billion."), amount("It cost $15 billion."))
    assert not number_ranges_overlap(
        amount("It cost up to $246 million."), amount("It cost as much as $426 million.")
    )
    assert number_ranges_overlap(
        amount("It cost up to $246 million."), amount("It cost as much as $246 million.")
    )


def test_actor_is_who_did_it_and_capitals_stand_for_their_state() -> None:
    facts = facts_of(
        "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia."
    )
    assert [(f["value"], f["unit"]) for f in kinds(facts, "actor")] == [("Nouri al-Maliki", "person")]
    washington = facts_of("Washington has spent as much as $20 billion on Iraq's military.")
    assert [(f["value"], f["unit"]) for f in kinds(washington, "actor")] == [("United States", "place")]
    assert "united states" in washington["entities"]


def test_a_claim_that_points_back_takes_the_year_and_actor_of_the_sentence_before() -> None:
    facts = facts_of("The arms deal was worth a total of 4.2 billion USD.", PREVIOUS_2012)
    years = kinds(facts, "year")
    assert [(f["value"], f["source"]) for f in years] == [(2012, "previous")]  # the nearest year, not 2003
    assert [(f["value"], f["source"]) for f in kinds(facts, "actor")] == [("Iraq", "previous")]
    assert [f["source"] for f in kinds(facts, "amount")] == ["sentence"]
    assert facts["previous"] == PREVIOUS_2012


def test_the_previous_sentence_is_not_used_when_the_claim_states_its_own_year_or_does_not_point_back() -> (
    None
):
    own = facts_of("The deal was signed in 2013.", PREVIOUS_2012)
    assert [f["value"] for f in kinds(own, "year")] == [2013]
    fresh = facts_of("Russia sold helicopters to Iraq.", PREVIOUS_2012)
    assert kinds(fresh, "year") == []
    assert fresh["previous"] is None
    no_figures = facts_of("The talks went on.", "Nobody said anything new.")
    assert no_figures["previous"] is None


def test_amounts_are_never_borrowed_from_the_previous_sentence() -> None:
    facts = facts_of("The deal was signed quickly.", "Iraq paid $4.2 billion in 2012.")
    assert kinds(facts, "amount") == []
    assert [f["value"] for f in kinds(facts, "year")] == [2012]


@pytest.mark.parametrize(
    "text", ["", "   ", "Nothing to count here at all.", "x" * 1_000_000, "\x00\ufffd", "9" * 5000]
)
def test_bad_input_gives_json_facts_without_error(text: str) -> None:
    facts = facts_of(text, text)
    assert json.loads(json.dumps(facts)) == facts
    assert len(facts["sentence"]) <= MAX_SENTENCE_CHARS


def test_none_input_is_empty() -> None:
    facts = facts_of(None, None)  # type: ignore[arg-type]
    assert facts["items"] == []
    assert facts["sentence"] == ""


def test_previous_in_paragraph_stops_at_a_blank_line() -> None:
    body = "Iraq signed a deal in 2012. The deal was worth $4.2 billion.\n\nThe deal was praised."
    spans = split_sentences(body)
    assert [s.text for s in spans] == [
        "Iraq signed a deal in 2012.",
        "The deal was worth $4.2 billion.",
        "The deal was praised.",
    ]
    assert previous_in_paragraph(body, spans, 0) is None
    assert previous_in_paragraph(body, spans, 1) == "Iraq signed a deal in 2012."
    assert previous_in_paragraph(body, spans, 2) is None
    assert previous_in_paragraph(body, spans, 3) is None
