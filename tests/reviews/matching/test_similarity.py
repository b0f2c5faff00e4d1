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


def test_a_bound_that_holds_a_figure_is_no_agreement() -> None:
    # "up to $20 billion" can be $4.2 billion (no conflict), but two claims of one story are not the same
    # claim for that: the seeds' "U.S. has spent up to $20 billion" and "arms deal worth 4.2 billion USD".
    bound, figure = (
        facts_of("The U.S. has spent up to $20 billion."),
        facts_of("It was worth 4.2 billion USD."),
    )
    assert fact_agreement(bound, figure) == (0, 0, 0)
    same_bound = facts_of("Washington has spent as much as $20 billion.")
    assert fact_agreement(bound, same_bound) == (1, 0, 1)
    assert fact_agreement(figure, facts_of("It cost $9 billion.")) == (0, 1, 0)


def test_general_statements_of_one_story_do_not_match() -> None:
    # Two seed reports: one story, no fact to tell them apart, and not one claim (docs/matching.md rule 6).
    assert (
        score(
            "Russia has been engaging more with Iraq in support of its intervention in Syria.",
            "Over all these years, Russia has been cooperating more closely with Iraq.",
        )
        < MATCH_THRESHOLD
    )


def test_a_shared_sum_of_money_links_one_deal_told_with_another_year() -> None:
    previous = (
        "For instance, Iraq equipped its army with American weapons since the beginning of the US "
        "occupation in 2003, but in 2012, Iraq signed an arms supply agreement with Russia for Pantsir-S1 "
        "surface-to-air missile systems and a batch of Russian attack helicopters."
    )
    assert (
        score(
            "The arms deal was worth a total of 4.2 billion USD.",
            "In 2013, former Prime Minister Nouri al-Maliki signed a $4.2 billion arms deal with Russia "
            "after the United States delayed the delivery of F-16s to Iraq, partly out of fears in "
            "Washington about how Maliki was planning to use the jets.",
            previous,
        )
        >= MATCH_THRESHOLD
    )
