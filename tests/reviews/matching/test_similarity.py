"""Similarity in [0, 1]: the cosine moved by the facts; the same claim retold matches, another event with
other figures does not, and bad input gives 0 rather than an error."""

from __future__ import annotations

import numpy as np
import pytest

from reviews.matching import MATCH_THRESHOLD, embed, embedding_text, facts_of, similarity
from reviews.matching.similarity import cosine, fact_adjustment, fact_agreement


def score(a: str, b: str, previous_a: str | None = None) -> float:
    vec_a, vec_b = embed([embedding_text(a, previous_a), b])
    return similarity(vec_a, facts_of(a, previous_a), vec_b, facts_of(b))


def test_the_same_claim_retold_matches() -> None:
    assert (
        score(
            "The U.S. has spent up to $20 billion in military equipment and training for the Iraqi military.",
            "Washington has spent as much as $20 billion on equipping and training Iraq's military.",
        )
        >= MATCH_THRESHOLD
    )


def test_another_event_with_other_figures_does_not_match() -> None:
    assert (
        score(
            "Tesla delivered 1.31 million vehicles in 2022, up 40% from the year before.",
            "Tesla delivered 1.81 million vehicles in 2023, up 38% from 2021.",
        )
        < MATCH_THRESHOLD
    )


def test_unrelated_claims_do_not_match() -> None:
    assert (
        score("Russia signed a treaty of friendship with Iraq in 1972.", "UK inflation hit 11.1% in 2022.")
        < 0.4
    )


def test_agreeing_facts_raise_and_disagreeing_ones_lower_the_score() -> None:
    same = fact_agreement(
        facts_of("It cost $4.2 billion in 2013."), facts_of("It cost 4.2 billion USD in 2013.")
    )
    assert same == (2, 0, 1)
    one_off = facts_of("It cost $4.2 billion in 2012."), facts_of("It cost 4.2 billion USD in 2013.")
    assert fact_agreement(*one_off) == (1, 1, 1)
    all_off = facts_of("It cost $4.2 billion in 2012."), facts_of("It cost $9 billion in 2013.")
    assert fact_agreement(*all_off) == (0, 2, 0)
    assert (
        fact_adjustment(*all_off)
        < fact_adjustment(*one_off)
        < fact_adjustment(
            facts_of("It cost $4.2 billion in 2013."), facts_of("It cost 4.2 billion USD in 2013.")
        )
    )


def test_symmetric_and_bounded() -> None:
    a, b = (
        "Iraq signed a $4.2 billion arms deal in 2013.",
        "Iraq bought $4.2 billion of Russian arms in 2013.",
    )
    vec_a, vec_b = embed([a, b])
    forward = similarity(vec_a, facts_of(a), vec_b, facts_of(b))
    assert forward == similarity(vec_b, facts_of(b), vec_a, facts_of(a))
    assert 0.0 <= forward <= 1.0
    assert similarity(vec_a, facts_of(a), vec_a, facts_of(a)) == 1.0


@pytest.mark.parametrize(
    ("vec_a", "vec_b"),
    [
        (np.zeros(384), np.ones(384)),
        (np.full(384, np.nan), np.ones(384)),
        (np.ones(10), np.ones(384)),
    ],
)
def test_bad_vectors_give_zero(vec_a: np.ndarray, vec_b: np.ndarray) -> None:
    assert cosine(vec_a, vec_b) == 0.0
    assert similarity(vec_a, facts_of(""), vec_b, facts_of("")) == 0.0


def test_empty_and_number_free_claims() -> None:
    assert score("", "Russia signed a treaty.") == 0.0
    assert 0.0 <= score("Russia and Iraq are allies.", "Iraq and Russia are close allies.") <= 1.0


def test_embedding_text_adds_the_previous_sentence_only_when_the_claim_points_back() -> None:
    previous = "In 2012, Iraq signed an arms supply agreement with Russia."
    assert embedding_text("The arms deal was worth 4.2 billion USD.", previous) == (
        previous + " The arms deal was worth 4.2 billion USD."
    )
    assert embedding_text("The U.S. sent troops.", previous) == "The U.S. sent troops."
    assert embedding_text("Russia sold helicopters.", previous) == "Russia sold helicopters."
    assert embedding_text("It was worth $4.2 billion.", None) == "It was worth $4.2 billion."
