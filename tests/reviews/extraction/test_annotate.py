"""annotate: claim kinds, mentions parsed to comparable values, and the heuristic score's ordering."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviews.extraction.annotate import SCORE_WEIGHTS, classify_claim, extract_mentions, heuristic_score
from reviews.extraction.cleaning import clean_article
from reviews.extraction.sentences import split_sentences
from reviews.extraction.types import ClaimKind
from tests.reviews.extraction.seeds import all_seeds, seed


def _numbers(text: str) -> list[tuple[str, float, str]]:
    return [(n["text"], n["value"], n["unit"]) for n in extract_mentions(text)["numbers"]]


def _dates(text: str) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(d["text"], d["year"], d["month"], d["day"]) for d in extract_mentions(text)["dates"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nouri al-Maliki signed a $4.2 billion arms deal.", [("$4.2 billion", 4.2e9, "USD")]),
        ("The arms deal was worth a total of 4.2 billion USD.", [("4.2 billion USD", 4.2e9, "USD")]),
        ("Iraq agreed a 4.2bn dollars package.", [("4.2bn dollars", 4.2e9, "USD")]),
        ("Baghdad bought up to $246 million dollars of aid.", [("$246 million dollars", 2.46e8, "USD")]),
        ("It spent 246 million dollars.", [("246 million dollars", 2.46e8, "USD")]),
        ("Support fell by 12% in a year.", [("12%", 12.0, "percent")]),
        ("Support fell by 12 per cent.", [("12 per cent", 12.0, "percent")]),
        ("The army sent 1,200 troops and €3.5m in aid.", [("1,200", 1200.0, ""), ("€3.5m", 3.5e6, "EUR")]),
        ("Iraq will buy S-400 systems and F-16s, as in the 1960s and on May 21, 2015 or in 2012.", []),
        ("The Pantsir-S1 is a short-range system.", []),
    ],
)
def test_numbers_parse_to_values_and_units(text: str, expected: list[tuple[str, float, str]]) -> None:
    assert _numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iraq signed the deal in 2012.", [("2012", 2012, None, None)]),
        ("It happened on January 3, 2020.", [("January 3, 2020", 2020, 1, 3)]),
        ("Lavrov spoke on September 27.", [("September 27", None, 9, 27)]),
        ("In January 2019, they met.", [("January 2019", 2019, 1, None)]),
        ("CBS reported last October that ...", [("October", None, 10, None)]),
        ("Between 2008 and 2011 it bought arms.", [("2008", 2008, None, None), ("2011", 2011, None, None)]),
        ("Posted 02.02.2020 and 2015-05-21.", [("02.02.2020", 2020, 2, 2), ("2015-05-21", 2015, 5, 21)]),
        ("It may rise. The march was long.", []),
    ],
)
def test_dates_are_parsed_including_partial_dates(
    text: str, expected: list[tuple[str, int | None, int | None, int | None]]
) -> None:
    assert _dates(text) == expected


def test_entities_are_typed_and_canonicalised() -> None:
    text = (
        "In January 2019, Russian Foreign Minister Sergey Lavrov met the U.S. envoy and officials of the "
        "Islamic State's rivals in Moscow."
    )
    entities = {(e["text"], e["kind"], e["canonical"]) for e in extract_mentions(text)["entities"]}
    assert ("Sergey Lavrov", "person", "Sergey Lavrov") in entities
    assert ("Russian", "place", "Russia") in entities
    assert ("U.S.", "place", "United States") in entities
    assert ("Islamic State", "org", "Islamic State") in entities
    assert ("Moscow", "place", "Moscow") in entities
    assert not any(text in {"January", "In"} for text, _, _ in entities)


@pytest.mark.parametrize("raw", all_seeds())
def test_mentions_are_json_serialisable(raw: str) -> None:
    for span in split_sentences(clean_article(raw).body):
        mentions = extract_mentions(span.text)
        assert set(mentions) == {"entities", "numbers", "dates"}
        assert json.loads(json.dumps(mentions)) == mentions


def test_the_same_arms_deal_matches_across_seeds_by_value() -> None:
    """Seed 001 (2012, "4.2 billion USD") and seed 004 (2013, "$4.2 billion") tell of the same deal."""

    def deal(prefix: str) -> dict[str, Any]:
        body = clean_article(seed(prefix)).body
        for span in split_sentences(body):
            mentions = extract_mentions(span.text)
            if any(n["value"] == 4.2e9 for n in mentions["numbers"]):
                return mentions
        raise AssertionError(f"no 4.2 billion sentence in seed {prefix}")

    in_001, in_004 = deal("001"), deal("004")
    assert [(n["value"], n["unit"]) for n in in_001["numbers"]] == [(4.2e9, "USD")]
    assert [(n["value"], n["unit"]) for n in in_004["numbers"]] == [(4.2e9, "USD")]
    assert [d["year"] for d in in_004["dates"]] == [2013]
    assert {"Russia"} <= {e["canonical"] for e in in_004["entities"]}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The U.S. has spent up to $20 billion on the Iraqi military.", ClaimKind.STATISTIC),
        ("Unemployment rose to 12% last year.", ClaimKind.STATISTIC),
        ("Lavrov said Russia would supply Iraq with modern weaponry.", ClaimKind.QUOTE),
        ("According to the ministry, the deal includes attack helicopters.", ClaimKind.QUOTE),
        ("“It is known that Russia has historically strong relations with Iraq.”", ClaimKind.QUOTE),
        ("Russia signed a treaty with Iraq because of its strategic position.", ClaimKind.CAUSAL),
        ("The failure led to the occupation of major parts of the territory.", ClaimKind.CAUSAL),
        ("Russia is now stronger than the United States in the region.", ClaimKind.COMPARISON),
        ("It would be the most dramatic American exit from a country.", ClaimKind.COMPARISON),
        ("Iraq is expected to buy the S-400 system.", ClaimKind.PREDICTION),
        ("The American troops will have to leave.", ClaimKind.PREDICTION),
        ("The Iraqi parliament voted in January 2020 to expel American troops.", ClaimKind.EVENT),
        ("Iraq equipped its army with weapons from Russia.", ClaimKind.EVENT),
        ("Russia has no vital interest in the region.", ClaimKind.OTHER),
        # reported speech beyond "said" (news set, issue 19)
        ("On March 6 Mr Joseph wrote to her about the exams.", ClaimKind.QUOTE),
        ("The Tribune, citing witnesses, identified the surfer.", ClaimKind.QUOTE),
        ("She was warned that nobody would fail the exam.", ClaimKind.QUOTE),
        # a weekday anchors a past event; without an anchor a past verb is no event
        ("A surfer survived a shark attack off the coast on Sunday.", ClaimKind.EVENT),
        ("A surfer survived a shark attack off the coast.", ClaimKind.OTHER),
    ],
)
def test_classify_claim(text: str, kind: ClaimKind) -> None:
    assert classify_claim(text) is kind


FIGURE = "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia."
ATTRIBUTED = "Russian Foreign Minister Sergey Lavrov said on September 27 that Russia would supply Iraq."
QUESTION = "Who will protect Iraq now that the Americans are leaving?"
HEDGED = "The Iraqis may see the Russians as the answer, and they could perhaps turn to Moscow."
OPINION = "I think we should be worried about this misguided policy."
CLUTTER = "Click here to subscribe to our newsletter."
FRAGMENT = "Iraq and Russia."


def test_heuristic_score_orders_checkable_above_uncheckable() -> None:
    figure = heuristic_score(FIGURE)
    for weaker in (QUESTION, HEDGED, OPINION, CLUTTER, FRAGMENT):
        assert heuristic_score(weaker) < figure, weaker
    assert heuristic_score(ATTRIBUTED) > heuristic_score(HEDGED)
    assert heuristic_score(ATTRIBUTED) > heuristic_score(QUESTION)
    assert heuristic_score(CLUTTER) < 0.2
    assert heuristic_score(FIGURE) >= 0.8


@pytest.mark.parametrize("text", [FIGURE, ATTRIBUTED, QUESTION, HEDGED, OPINION, CLUTTER, FRAGMENT, "", "?"])
def test_heuristic_score_is_a_deterministic_probability(text: str) -> None:
    score = heuristic_score(text)
    assert 0.0 <= score <= 1.0
    assert heuristic_score(text) == score


def test_hedging_lowers_the_score_of_the_same_sentence() -> None:
    assert heuristic_score("Russia sent troops to Iraq in 2015.") > heuristic_score(
        "Russia may have sent troops to Iraq in 2015."
    )


def test_score_weights_are_documented_and_bounded() -> None:
    assert all(-1.0 <= weight <= 1.0 for weight in SCORE_WEIGHTS.values())
    assert SCORE_WEIGHTS["question"] < 0 < SCORE_WEIGHTS["quantity"]
