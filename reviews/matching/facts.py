"""What a claim states: its years, dates, amounts, percentages, counts and actors, as plain JSON.

`facts_of(sentence, previous_sentence)` reads them with `reviews.extraction.annotate.extract_mentions`
(numbers with currency and scale already normalised: "$4.2 billion" and "4.2 billion USD" are both
4.2e9 USD) and adds what comparing two claims needs:

* a range for each number, so rounding and hedges are not disagreements: "4.2 billion" stands for
  [4.15, 4.25] billion (half a unit of its last digit), "about 300" for +-10 %, "more than 1,000" for
  [1000, inf), "up to $246 million" for [0, 246e6];
* the noun a count counts ("1,200 troops" -> "troop"), so 1,200 troops and 300 advisers are not compared;
* the actors: the named people, organisations and places before the claim's first past-tense verb
  ("Nouri al-Maliki signed ..."), the "who did it".

A fact a claim takes from the sentence before it counts: when the claim opens with a word that points
back ("The arms deal was worth ...", "It", "This", "They", ...) and states no year (or no actor) itself,
the previous sentence's last year and last date (the time nearest the claim) and its actors are taken,
marked `"source": "previous"` so a conflict can say which sentence it was read from. Amounts,
percentages and counts are never borrowed: a figure in the previous sentence is usually about something
else.

The result is a dict (`Facts`) that a JSONField stores as it is; `FACTS_VERSION` changes when the
reading changes (the facts, or the text embedded with them: `reviews.matching.reading`), so stored facts
and embeddings are recomputed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

from reviews.extraction.annotate import extract_mentions
from reviews.extraction.types import SentenceSpan

__all__ = [
    "FACTS_VERSION",
    "FACT_KINDS",
    "MAX_SENTENCE_CHARS",
    "Fact",
    "Facts",
    "embedding_text",
    "facts_of",
    "previous_in_paragraph",
]

FACTS_VERSION = 2
FACT_KINDS = ("year", "date", "amount", "percent", "count", "actor")
#: A claim is a sentence; anything longer is cut here before reading (a pasted article must not cost
#: seconds of regex time). 2,000 characters is several times the longest sentence in the seeds.
MAX_SENTENCE_CHARS = 2000

Kind = Literal["year", "date", "amount", "percent", "count", "actor"]
Source = Literal["sentence", "previous"]


class Fact(TypedDict):
    kind: Kind
    #: Comparable value: an int year; "MM-DD" or "YYYY-MM-DD" for a date; a float for numbers; a
    #: canonical name for an actor.
    value: Any
    #: Numbers only: the range the figure stands for (`None` bound = unbounded). `unit`: "USD", "EUR",
    #: "GBP", "RUB" for amounts, the counted noun for counts, the entity kind (person, org, place) for
    #: actors, "" otherwise.
    low: float | None
    high: float | None
    unit: str
    #: The words it was read from, and which sentence: the claim's own or the one before it.
    text: str
    source: Source


class Facts(TypedDict):
    version: int
    sentence: str
    previous: str | None
    items: list[Fact]
    #: Canonical names of every named person, organisation and place mentioned (for similarity).
    entities: list[str]


_APPROX = re.compile(
    r"\b(?:about|around|roughly|nearly|almost|approximately|some|an\s+estimated|close\s+to)\s*$", re.I
)
_AT_LEAST = re.compile(r"\b(?:more\s+than|over|at\s+least|above|exceeding|upwards\s+of)\s*$", re.I)
_AT_MOST = re.compile(
    r"\b(?:up\s+to|as\s+much\s+as|as\s+many\s+as|less\s+than|fewer\s+than|under|at\s+most|below)\s*$", re.I
)
#: The word after a count: what is counted ("1,200 troops", "300 US advisers").
_NOUN_AFTER = re.compile(r"\s+(?:[A-Z][\w.-]*\s+)?([a-z][a-z-]+)")
_NOT_COUNTED = frozenset(
    (
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "per",
        "a",
        "an",
        "the",
        "percent",
        "times",
        "years",
        "year",
        "months",
        "days",
    )
)
#: First words that point back to the previous sentence.
_REFERRING = frozenset(
    (
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "they",
        "their",
        "he",
        "his",
        "she",
        "her",
        "such",
        "both",
        "then",
        "there",
    )
)
_PAST_OR_ACTION = re.compile(
    r"\b(?:met|took|sent|began|won|lost|fought|held|made|gave|went|came|left|struck|spent|paid|sold|bought|"
    r"built|signed|voted|said|told|has|have|had|is|was|were|are|will|(?![a-z]*eed\b)[a-z]{2,}ed|"
    r"[a-z]{3,}s)\b"
)
_ACTOR_KINDS = frozenset(("person", "org", "place"))
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
#: In news a capital (or a seat of government) names its state: "Washington delayed", "Moscow agreed".
_STANDS_FOR = {
    "washington": "United States", "white house": "United States", "moscow": "Russia", "kremlin": "Russia",
    "baghdad": "Iraq", "bagdad": "Iraq", "tehran": "Iran", "damascus": "Syria", "ankara": "Turkey",
    "beijing": "China", "kyiv": "Ukraine", "kiev": "Ukraine",
}  # fmt: skip


def _canonical(entity: dict[str, str]) -> str:
    return _STANDS_FOR.get(entity["canonical"].lower(), entity["canonical"])


def facts_of(sentence: str, previous_sentence: str | None = None) -> Facts:
    """The facts `sentence` states, plus the year, date and actor it takes from `previous_sentence`
    (see the module docstring). Never raises on text: empty, huge or number-free input gives fewer facts."""
    sentence = (sentence or "")[:MAX_SENTENCE_CHARS]
    previous = (previous_sentence or "")[:MAX_SENTENCE_CHARS] or None
    own = _read(sentence, "sentence")
    items = list(own)
    used_previous = False
    if previous and _points_back(sentence):
        borrowed = _read(previous, "previous")
        for kinds in (("year", "date"), ("actor",)):
            if not any(f["kind"] in kinds for f in own):
                taken = [f for f in borrowed if f["kind"] in kinds]
                if kinds[0] == "year":  # the time nearest the claim: the last one the sentence names
                    taken = [f for kind in kinds for f in [f for f in taken if f["kind"] == kind][-1:]]
                items.extend(taken)
                used_previous = used_previous or bool(taken)
    entities = sorted(
        {
            _canonical(e).lower()
            for text in (sentence, previous if used_previous else "")
            if text
            for e in extract_mentions(text)["entities"]
            if e["kind"] in _ACTOR_KINDS
        }
    )
    return {
        "version": FACTS_VERSION,
        "sentence": sentence,
        "previous": previous if used_previous else None,
        "items": items,
        "entities": entities,
    }


def previous_in_paragraph(body: str, spans: Sequence[SentenceSpan], position: int) -> str | None:
    """The sentence before `spans[position]` when it is in the same paragraph of `body` (no blank line
    between them), else None: what `facts_of` may take facts from."""
    if position <= 0 or position >= len(spans):
        return None
    before, current = spans[position - 1], spans[position]
    if _PARAGRAPH_BREAK.search(body[before.end : current.start]):
        return None
    return before.text


def embedding_text(sentence: str, previous_sentence: str | None = None) -> str:
    """The text to embed for a claim: the claim alone, or the sentence before it and the claim when the
    claim points back to it ("The arms deal was worth 4.2 billion USD." says which deal only with the
    sentence before it), by the same rule `facts_of` borrows facts with."""
    sentence = (sentence or "")[:MAX_SENTENCE_CHARS]
    previous = (previous_sentence or "")[:MAX_SENTENCE_CHARS]
    if previous.strip() and _points_back(sentence):
        return f"{previous} {sentence}"
    return sentence


def _points_back(sentence: str) -> bool:
    """A pronoun or demonstrative first ("It", "This deal", "They"), or "The" and a common noun ("The
    arms deal", not "The U.S.")."""
    words = sentence.strip().split(maxsplit=2)
    if not words:
        return False
    first = words[0].lower().strip("\"'\u201c\u2018(")
    if first == "the":
        return len(words) > 1 and words[1][:1].islower()
    return first in _REFERRING


def _read(text: str, source: Source) -> list[Fact]:
    if not text.strip():
        return []
    mentions = extract_mentions(text)
    facts: list[Fact] = []
    for date in mentions["dates"]:
        if date["year"] is not None:
            facts.append(_fact("year", int(date["year"]), date["text"], source))
        if date["month"] is not None and date["day"] is not None:
            value = f"{date['month']:02d}-{date['day']:02d}"
            if date["year"] is not None:
                value = f"{date['year']:04d}-{value}"
            facts.append(_fact("date", value, date["text"], source))
    cursor = 0
    for number in mentions["numbers"]:
        at = text.find(number["text"], cursor)
        start = at if at >= 0 else cursor
        cursor = start + len(number["text"])
        low, high = _range(number["text"], float(number["value"]), text[max(0, start - 25) : start])
        unit = str(number["unit"])
        if unit == "percent":
            kind: Kind = "percent"
            unit = ""
        elif unit:
            kind = "amount"
        else:
            kind = "count"
            unit = _counted_noun(text[cursor:])
        facts.append(
            {
                "kind": kind,
                "value": float(number["value"]),
                "low": low,
                "high": high,
                "unit": unit,
                "text": number["text"],
                "source": source,
            }
        )
    for name, surface, entity_kind in _actors(text, mentions["entities"]):
        actor = _fact("actor", name, surface, source)
        actor["unit"] = entity_kind
        facts.append(actor)
    return facts


def _fact(kind: Kind, value: Any, text: str, source: Source) -> Fact:
    return {
        "kind": kind,
        "value": value,
        "low": None,
        "high": None,
        "unit": "",
        "text": text,
        "source": source,
    }


def _range(surface: str, value: float, before: str) -> tuple[float | None, float | None]:
    """The interval a written figure stands for (see the module docstring)."""
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", surface)
    decimals = len(digits.group(1)) if digits and digits.group(1) else 0
    written = float(digits.group(0).replace(",", "")) if digits else value
    scale = value / written if written else 1.0
    # "4.2 billion" is rounded to its last digit: [4.15, 4.25] billion. A plain whole number ("300
    # troops", "12%") is taken as exact.
    half = 0.5 * 10.0 ** (-decimals) * scale if (decimals or scale > 1.5) else 0.0
    low, high = value - half, value + half
    if _APPROX.search(before):
        low, high = min(low, value * 0.9), max(high, value * 1.1)
    if _AT_LEAST.search(before):
        return value, None
    if _AT_MOST.search(before):
        return None, value
    return low, high


def _counted_noun(after: str) -> str:
    match = _NOUN_AFTER.match(after)
    if not match or match.group(1) in _NOT_COUNTED:
        return ""
    noun = match.group(1)
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _actors(text: str, entities: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(canonical name, words, entity kind) of the named entities before the first verb-like word: the
    subject of the claim, roughly."""
    verb = _PAST_OR_ACTION.search(text)
    head = text[: verb.start()] if verb else text
    return [
        (
            _canonical(entity),
            entity["text"],
            "place" if entity["canonical"].lower() in _STANDS_FOR else entity["kind"],
        )
        for entity in entities
        if entity["kind"] in _ACTOR_KINDS and re.search(rf"(?<!\w){re.escape(entity['text'])}(?!\w)", head)
    ]


def number_ranges_overlap(a: Fact, b: Fact) -> bool:
    """Whether two figures can be the same quantity: their ranges share a point. Two bounds of the same
    direction ("up to $246 million", "as much as $426 million") are compared as figures, within 10 %:
    both are the writer's figure for the same ceiling."""
    for open_side, bound in (("low", "high"), ("high", "low")):
        if a[open_side] is None and b[open_side] is None and a[bound] is not None and b[bound] is not None:  # type: ignore[literal-required]
            x, y = float(a[bound]), float(b[bound])  # type: ignore[literal-required]
            return abs(x - y) <= 0.1 * max(abs(x), abs(y))
    a_low = -math.inf if a["low"] is None else a["low"]
    a_high = math.inf if a["high"] is None else a["high"]
    b_low = -math.inf if b["low"] is None else b["low"]
    b_high = math.inf if b["high"] is None else b["high"]
    return a_low <= b_high and b_low <= a_high
