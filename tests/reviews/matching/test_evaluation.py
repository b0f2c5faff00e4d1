"""The labelled set is well formed, the split and threshold rules are what docs/matching.md says, and
the shipped MATCH_THRESHOLD is the one the rule picks."""

from __future__ import annotations

import numpy as np

from reviews.matching import MATCH_THRESHOLD, embed
from reviews.matching import evaluation as ev
from tests.conftest import SEEDS


def test_labelled_claims_are_well_formed() -> None:
    claims, conflicts = ev.load()
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids))
    cluster = {c.id: c.cluster for c in claims}
    for pair, kinds in conflicts.items():
        a, b = sorted(pair)
        assert cluster[a] == cluster[b], pair  # conflicts are only labelled between the same claim
        assert kinds <= {"year", "date", "amount", "percent", "count", "actor"}
    assert {c.group for c in claims} >= {"arms-deal", "kremlin-caption"}


def test_split_alternates_groups_by_name_and_keeps_added_groups_where_stated() -> None:
    claims, _ = ev.load()
    added = ev.added_groups()
    assert set(added.values()) == {"development", "held-out"}
    parts = ev.split(claims)
    groups = sorted({c.group for c in claims} - set(added))
    stated = {part: {group for group, where in added.items() if where == part} for part in parts}
    assert {c.group for c in parts["development"]} == set(groups[0::2]) | stated["development"]
    assert {c.group for c in parts["held-out"]} == set(groups[1::2]) | stated["held-out"]
    # Adding a group never moves an earlier one: without the added groups, the split is the first one.
    first = ev.split([c for c in claims if c.group not in added], added={})
    assert {c.group for c in first["held-out"]} == set(groups[1::2])


def test_seed_pairs_leave_out_pairs_of_two_held_out_sentences() -> None:
    claims, _ = ev.load()
    held_out = ev.split(claims)["held-out"]
    seeds = ev.seed_claims(SEEDS, lambda texts: np.zeros((len(texts), 384), np.float32))
    held = {c.text for c in held_out}
    kept = ev.seed_pairs(seeds, held_out, ev.cosine_only)
    assert kept
    assert all(a.article != b.article for a, b, *_ in kept)
    assert not any(a.text in held and b.text in held for a, b, *_ in kept)
    every = sum(1 for i, a in enumerate(seeds) for b in seeds[i + 1 :] if a.article != b.article)
    assert len(kept) < every  # the arms deal and the intelligence-sharing deal are held out


def test_threshold_rule() -> None:
    a = ev.Claim("a", "g", "x", "", None, "")
    b = ev.Claim("b", "g", "y", "", None, "")
    scored = [(a, a, 0.9, True), (a, b, 0.8, False), (a, a, 0.75, True), (a, b, 0.5, False)]
    # lowest threshold on the grid with precision >= 0.95: above the 0.8 false match
    assert ev.choose_threshold(scored) == 0.81
    never = [(a, b, 0.9, False), (a, a, 0.5, True)]
    # precision 0.95 is never reached: the best F1 (2/3, both pairs matched), at its highest threshold
    assert ev.choose_threshold(never) == 0.5


def test_shipped_threshold_is_the_one_the_rule_chooses() -> None:
    claims, _ = ev.load()
    ev.prepare(claims, embed)
    development = ev.development_pairs(ev.split(claims), ev.seed_claims(SEEDS, embed))
    assert ev.choose_threshold(development) == MATCH_THRESHOLD
