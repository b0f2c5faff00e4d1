"""How alike two claims are, in [0, 1]: the embeddings' cosine, moved by what the two claims state.

The sentence model sees that two sentences are about the same thing; it barely sees numbers, so "Iraq
bought $246 million of arms from Russia" and "Iraq signed a $4.2 billion arms deal with Russia" look
nearly the same to it. The facts correct that:

* each kind of fact (year, day, amount, percentage, count of one noun) both claims state and agree on
  adds `AGREE_BONUS` (two at most), and a money amount `AMOUNT_EXTRA_BONUS` more: two claims of one
  story rarely share an exact sum unless they tell of the same deal ("$4.2 billion" = "4.2 billion USD"),
  while they share years all the time. Figures agree when they state the same quantity; a bound that
  merely holds the other figure ("up to $20 billion" and "$4.2 billion") neither agrees nor disagrees;
* one kind they disagree on subtracts `ONE_DIFFERENCE_PENALTY`, and nothing when another kind agrees: a
  retelling with one wrong figure or year is exactly the same claim in conflict that matching must find
  (the seeds' arms deal: 2012 and 2013, both 4.2 billion dollars);
* two or more kinds they disagree on subtract `DIFFERENCES_PENALTY` each: a claim whose year and figures
  all differ is another event ("two purchases of different sizes", next year's sales), which must not
  match however alike the sentences read;
* the overlap (Jaccard) of the named people, organisations and places moves the score by up to
  +-`ENTITY_WEIGHT` / 2, when both name some.

Without a shared fact, the cosine alone must clear the threshold: five reports on one story say "Russia
is engaging more with Iraq" in many ways, and the sentence model puts those close together, so the
threshold is chosen on pairs that include them (the seeds' cross-article pairs).

The weights were set by reading the labelled development pairs, and `MATCH_THRESHOLD` chosen on them and
the seeds' pairs by the fixed rule in `reviews/matching/evaluation.py`; docs/matching.md reports both
splits.
"""

from __future__ import annotations

import numpy as np

from reviews.matching.facts import Fact, Facts, number_ranges_overlap

__all__ = [
    "AGREE_BONUS",
    "AMOUNT_EXTRA_BONUS",
    "DIFFERENCES_PENALTY",
    "ENTITY_WEIGHT",
    "MATCH_THRESHOLD",
    "ONE_DIFFERENCE_PENALTY",
    "similarity",
]

AGREE_BONUS = 0.08
AMOUNT_EXTRA_BONUS = 0.20
ONE_DIFFERENCE_PENALTY = 0.08
DIFFERENCES_PENALTY = 0.15
ENTITY_WEIGHT = 0.10
#: Claims at or above this similarity are the same claim. Chosen on the development split of the
#: labelled pairs (rule and figures: docs/matching.md, `manage.py evaluate_matching`).
MATCH_THRESHOLD = 0.77


def cosine(vec_a: np.ndarray, vec_b: np.ndarray) -> float:
    """Cosine of two vectors; 0.0 when either is zero (a blank claim is like nothing)."""
    a = np.asarray(vec_a, dtype=np.float32).reshape(-1)
    b = np.asarray(vec_b, dtype=np.float32).reshape(-1)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    if a.shape != b.shape or norms == 0.0 or not np.isfinite(norms):
        return 0.0
    return float(np.dot(a, b)) / norms


def fact_agreement(facts_a: Facts, facts_b: Facts) -> tuple[int, int, int]:
    """(kinds agreed on, kinds disagreed on, money amounts agreed on) among year, date, amount, percent
    and count: a kind counts when both claims state it; for figures, per unit (currency, counted noun)."""
    items_a, items_b = facts_a.get("items", []), facts_b.get("items", [])
    agree = disagree = amounts = 0
    for kind in ("year", "date"):
        values_a = {f["value"] for f in items_a if f["kind"] == kind}
        values_b = {f["value"] for f in items_b if f["kind"] == kind}
        if values_a and values_b:
            if values_a & values_b:
                agree += 1
            else:
                disagree += 1
    for kind in ("amount", "percent", "count"):
        a_all = [f for f in items_a if f["kind"] == kind]
        b_all = [f for f in items_b if f["kind"] == kind]
        for unit in {f["unit"] for f in a_all} & {f["unit"] for f in b_all}:
            if kind == "count" and not unit:
                continue
            a = [f for f in a_all if f["unit"] == unit]
            b = [f for f in b_all if f["unit"] == unit]
            if any(_same_figure(x, y) for x in a for y in b):
                agree += 1
                amounts += kind == "amount"
            elif not any(number_ranges_overlap(x, y) for x in a for y in b):
                disagree += 1
            # else: a bound that holds the other figure ("up to $20 billion", "$4.2 billion"): it can be
            # the same quantity (no conflict), but says nothing for the two being the same claim.
    return agree, disagree, amounts


def _same_figure(a: Fact, b: Fact) -> bool:
    """Two figures that state the same quantity: both bounded on both sides with overlapping ranges, or
    the same one-sided bound (`number_ranges_overlap`'s rule for those)."""
    two_sided = all(f["low"] is not None and f["high"] is not None for f in (a, b))
    one_sided = (a["low"] is None) == (b["low"] is None) and (a["high"] is None) == (b["high"] is None)
    return (two_sided or one_sided) and number_ranges_overlap(a, b)


def fact_adjustment(facts_a: Facts, facts_b: Facts) -> float:
    """What the two claims' facts add to (or take from) their cosine; see the module docstring."""
    agree, disagree, amounts = fact_agreement(facts_a, facts_b)
    if disagree == 1 and agree:
        penalty = 0.0  # one wrong fact beside an agreeing one: the same event, told with a conflict
    else:
        penalty = (ONE_DIFFERENCE_PENALTY if disagree <= 1 else DIFFERENCES_PENALTY) * disagree
    adjustment = AGREE_BONUS * min(agree, 2) + AMOUNT_EXTRA_BONUS * min(amounts, 1) - penalty
    names_a, names_b = set(facts_a.get("entities", [])), set(facts_b.get("entities", []))
    if names_a and names_b:
        adjustment += ENTITY_WEIGHT * (len(names_a & names_b) / len(names_a | names_b) - 0.5)
    return adjustment


def similarity(vec_a: np.ndarray, facts_a: Facts, vec_b: np.ndarray, facts_b: Facts) -> float:
    """Similarity of two claims in [0, 1] (symmetric); `>= MATCH_THRESHOLD` means the same claim."""
    base = max(0.0, cosine(vec_a, vec_b))
    if base == 0.0:
        return 0.0
    return round(min(1.0, max(0.0, base + fact_adjustment(facts_a, facts_b))), 6)
