"""Facts two matched claims disagree on.

Only call this for claims that matching decided are the same claim: two purchases of different sizes
disagree on their amount too, and are not a conflict, because they are different events.

Rules, one per kind, each deliberately cautious (a false conflict costs an editor's time and trust):

* year: both claims (or the sentences they borrow from) state years and no year is common to both;
* date: both state a day of a month and no such day is common to both (a year alone is a `year` fact);
* amount: both state amounts in the same currency and no figure on one side can be a figure on the
  other (ranges from `facts.facts_of`: rounding and "about", "up to", "more than" are honoured);
* percent: the same for percentages;
* count: the same for counts of the same noun ("1,200 troops" against "1,500 troops");
* actor: both name a person (or both an organisation, or both a place) as who did it, and neither
  claim mentions anywhere the other's actor of that kind ("Iraq signed" against "Nouri al-Maliki
  signed" is not a conflict: a country and its prime minister are different kinds of actor).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reviews.matching.facts import Fact, Facts, number_ranges_overlap

__all__ = ["Conflict", "conflicts_between"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One disagreement: `value` and `text` are read from claim a (`sentence`), `other_*` from claim b."""

    kind: str
    value: str
    other_value: str
    #: The words each value was read from, and the sentence holding them (the claim itself, or the
    #: sentence before it when the fact was borrowed from there).
    text: str
    other_text: str
    sentence: str
    other_sentence: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def conflicts_between(facts_a: Facts, facts_b: Facts) -> list[Conflict]:
    """The conflicts between two matched claims' facts, in `FACT_KINDS` order. Pure and symmetric up to
    the order of the two sides; empty when either side states nothing of a kind."""
    found: list[Conflict] = []
    for kind in ("year", "date"):
        a, b = _of(facts_a, kind), _of(facts_b, kind)
        if a and b and not {f["value"] for f in a} & {f["value"] for f in b}:
            found.append(_conflict(kind, facts_a, a, facts_b, b))
    for kind in ("amount", "percent", "count"):
        a_all, b_all = _of(facts_a, kind), _of(facts_b, kind)
        for unit in sorted({f["unit"] for f in a_all} & {f["unit"] for f in b_all}):
            if kind == "count" and not unit:
                continue  # a bare number counts nothing we can name: not comparable
            a = [f for f in a_all if f["unit"] == unit]
            b = [f for f in b_all if f["unit"] == unit]
            if not any(number_ranges_overlap(x, y) for x in a for y in b):
                found.append(_conflict(kind, facts_a, a, facts_b, b))
    found.extend(_actor_conflicts(facts_a, facts_b))
    return found


def _of(facts: Facts, kind: str) -> list[Fact]:
    return [f for f in facts.get("items", []) if f["kind"] == kind]


def _conflict(kind: str, facts_a: Facts, a: list[Fact], facts_b: Facts, b: list[Fact]) -> Conflict:
    return Conflict(
        kind=kind,
        value=_values(a),
        other_value=_values(b),
        text=", ".join(f["text"] for f in a),
        other_text=", ".join(f["text"] for f in b),
        sentence=_sentence(facts_a, a),
        other_sentence=_sentence(facts_b, b),
    )


def _values(facts: list[Fact]) -> str:
    shown: list[str] = []
    for fact in facts:
        value = fact["value"]
        if isinstance(value, float):
            text = f"{value:,.0f}" if value >= 100 else f"{value:g}"
            value = f"{text} {fact['unit']}".strip() if fact["kind"] != "percent" else f"{text}%"
        if str(value) not in shown:
            shown.append(str(value))
    return ", ".join(shown)


def _sentence(facts: Facts, items: list[Fact]) -> str:
    if any(f["source"] == "previous" for f in items) and facts.get("previous"):
        return str(facts["previous"])
    return str(facts.get("sentence", ""))


def _actor_conflicts(facts_a: Facts, facts_b: Facts) -> list[Conflict]:
    kinds_a = _actors_by_kind(facts_a)
    kinds_b = _actors_by_kind(facts_b)
    found: list[Conflict] = []
    for entity_kind in ("person", "org", "place"):
        a, b = kinds_a.get(entity_kind, []), kinds_b.get(entity_kind, [])
        if not a or not b:
            continue
        names_a = {str(f["value"]).lower() for f in a}
        names_b = {str(f["value"]).lower() for f in b}
        mentioned_a = _mentioned(facts_a)
        mentioned_b = _mentioned(facts_b)
        if names_a & names_b or names_a & mentioned_b or names_b & mentioned_a:
            continue
        if any(_same_person(x, y) for x in names_a | mentioned_a for y in names_b | mentioned_b):
            continue
        found.append(_conflict("actor", facts_a, a, facts_b, b))
    return found


def _actors_by_kind(facts: Facts) -> dict[str, list[Fact]]:
    grouped: dict[str, list[Fact]] = {}
    for fact in _of(facts, "actor"):
        grouped.setdefault(fact["unit"], []).append(fact)
    return grouped


def _mentioned(facts: Facts) -> set[str]:
    return {name.lower() for name in facts.get("entities", [])}


def _same_person(a: str, b: str) -> bool:
    """ "Maliki" and "Nouri al-Maliki", "Lavrov" and "Sergey Lavrov": one name's last word in the other."""
    last_a = a.split()[-1].removeprefix("al-") if a.split() else ""
    last_b = b.split()[-1].removeprefix("al-") if b.split() else ""
    return bool(last_a) and last_a == last_b
