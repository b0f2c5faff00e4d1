"""Conflicts between matched claims: kind, both values, the sentences they were read from; and none where
the claims state different kinds of thing or agree."""

from __future__ import annotations

from reviews.matching.conflicts import conflicts_between
from reviews.matching.facts import facts_of

PREVIOUS_2012 = (
    "For instance, Iraq equipped its army with American weapons since the beginning of the US occupation "
    "in 2003, but in 2012, Iraq signed an arms supply agreement with Russia for Pantsir-S1 surface-to-air "
    "missile systems and a batch of Russian attack helicopters."
)
DEAL_2013 = (
    "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia after the "
    "United States delayed the delivery of F-16s to Iraq."
)


def test_year_taken_from_the_previous_sentence_conflicts_and_names_that_sentence() -> None:
    a = facts_of("The arms deal was worth a total of 4.2 billion USD.", PREVIOUS_2012)
    b = facts_of(DEAL_2013)
    conflicts = conflicts_between(a, b)
    assert [(c.kind, c.value, c.other_value) for c in conflicts] == [("year", "2012", "2013")]
    assert conflicts[0].sentence == PREVIOUS_2012
    assert conflicts[0].other_sentence == DEAL_2013
    assert conflicts[0].as_dict()["text"] == "2012"


def test_the_same_claim_in_other_words_has_no_conflict() -> None:
    a = facts_of(
        "The U.S. has spent up to $20 billion in military equipment and training for the Iraqi military."
    )
    b = facts_of("Washington has spent as much as $20 billion on equipping and training Iraq's military.")
    assert conflicts_between(a, b) == []


def test_each_kind() -> None:
    cases = [
        ("Turnout was 51.9% in the vote.", "Turnout was 52.9% in the vote.", "percent", "51.9%", "52.9%"),
        (
            "It killed 5,000 people.",
            "It killed more than 50,000 people.",
            "count",
            "5,000 people",
            "50,000 people",
        ),
        ("He came on May 21, 2015.", "He came on May 22, 2015.", "date", "2015-05-21", "2015-05-22"),
        (
            "Musk paid $44 billion for Twitter.",
            "Musk paid $54 billion for Twitter.",
            "amount",
            "44,000,000,000 USD",
            "54,000,000,000 USD",
        ),
        (
            "Elon Musk bought Twitter in 2022.",
            "Jeff Bezos bought Twitter in 2022.",
            "actor",
            "Elon Musk",
            "Jeff Bezos",
        ),
    ]
    for a, b, kind, value, other in cases:
        found = [(c.kind, c.value, c.other_value) for c in conflicts_between(facts_of(a), facts_of(b))]
        assert found == [(kind, value, other)], (a, b, found)


def test_conflicts_are_symmetric() -> None:
    a, b = facts_of("Elon Musk paid $44 billion in 2021."), facts_of("Jeff Bezos paid $54 billion in 2022.")
    forward = {(c.kind, c.value, c.other_value) for c in conflicts_between(a, b)}
    backward = {(c.kind, c.other_value, c.value) for c in conflicts_between(b, a)}
    assert forward == backward
    assert {kind for kind, *_ in forward} == {"year", "amount", "actor"}


def test_not_comparable_is_not_a_conflict() -> None:
    pairs = [
        ("It cost $4.2 billion.", "It cost 3 billion euros."),  # different currencies
        ("1,200 troops were sent.", "300 advisers were sent."),  # different nouns
        (
            "Iraq signed the deal in 2012.",
            "Nouri al-Maliki signed the deal in 2012.",
        ),  # a state and its leader
        ("Nouri al-Maliki signed the deal.", "Maliki signed the deal."),  # one person, two names
        ("Russia signed the treaty.", "The treaty was signed."),  # one side names no actor
        ("Unemployment fell in 2019.", "Unemployment fell sharply."),  # one side has no year
        ("It cost up to $20 billion.", "It cost $15 billion."),  # within the ceiling
        ("It cost $4.2 billion.", "It cost 4.23 billion dollars."),  # rounding
    ]
    for a, b in pairs:
        assert conflicts_between(facts_of(a), facts_of(b)) == [], (a, b)


def test_empty_facts_have_no_conflicts() -> None:
    assert conflicts_between(facts_of(""), facts_of(DEAL_2013)) == []
    assert conflicts_between({}, {}) == []  # type: ignore[typeddict-item]
