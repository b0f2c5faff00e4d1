"""The labelled set is well formed, the split and threshold rules are what docs/matching.md says, and
the shipped MATCH_THRESHOLD is the one the rule picks."""

from __future__ import annotations

from reviews.matching import MATCH_THRESHOLD, embed
from reviews.matching import evaluation as ev


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


def test_split_alternates_groups_by_name() -> None:
    claims, _ = ev.load()
    parts = ev.split(claims)
    groups = sorted({c.group for c in claims})
    assert {c.group for c in parts["development"]} == set(groups[0::2])
    assert {c.group for c in parts["held-out"]} == set(groups[1::2])


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
    development = ev.split(claims)["development"]
    assert ev.choose_threshold(ev.pairs(development, ev.combined)) == MATCH_THRESHOLD
