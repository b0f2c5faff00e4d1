"""Rule-based annotation of one sentence: its claim kind, its mentions, and a fallback check-worthiness score.

Everything here is deterministic, dependency-free (regexes and small word lists) and explainable: each
decision can be traced to one rule or weight below. It is the first extractor, used before (and as a
fallback for) the ML scorer in `scorer.py`.

* `classify_claim` -- ordered rules; the first that fires wins (see `classify_claim`).
* `extract_mentions` -- entities, numbers with parsed values and units, and (partial) dates, as plain
  JSON-serialisable dicts, so the same fact told in different words ("$4.2 billion" / "4.2 billion USD" /
  "4.2bn dollars") can be matched later by value.
* `heuristic_score` -- a weighted sum of features (see `SCORE_WEIGHTS`), clamped to [0, 1].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reviews.extraction.cleaning import MONTHS
from reviews.extraction.types import ClaimKind

__all__ = ["SCORE_WEIGHTS", "classify_claim", "extract_mentions", "heuristic_score"]

# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

_CURRENCY_PREFIX = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "\u20ac": "EUR",
    "eur": "EUR",
    "\u00a3": "GBP",
    "gbp": "GBP",
}
_UNIT_SUFFIX = {
    "%": "percent",
    "percent": "percent",
    "per cent": "percent",
    "dollars": "USD",
    "us dollars": "USD",
    "usd": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "rubles": "RUB",
    "roubles": "RUB",
}
_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mln": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bln": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
#: "$4.2 billion", "4.2bn dollars", "US$ 20m", "12%", "246 million dollars", "1,200 troops" (value only).
#: Not a number: digits glued to letters or hyphens ("S-400", "F-16s", "Pantsir-S1", "1960s", "21st").
_NUMBER = re.compile(
    r"(?<![\w.,-])(?P<cur>US\$|\$|\u20ac|\u00a3|(?:USD|EUR|GBP)\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|mln|bln|bn|mn|tn)\b|(?P<short>[kmb])\b)?"
    r"(?:\s*(?P<unit>%|percent\b|per\s+cent\b|(?:US\s+)?dollars\b|USD\b|euros?\b|EUR\b|r[ou]+bles\b))?"
    r"(?![\w%])",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------------------------------
# Dates (partial dates allowed: a year alone, a month and year, a month and day)
# --------------------------------------------------------------------------------------------------

_MONTH_NAMES = "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))
#: Tried in order; each match masks its span so later patterns (and numbers) cannot reuse its digits.
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?P<date>(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2}))\b"),  # ISO
    re.compile(r"\b(?P<date>(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}))\b"),  # dotted = day.month.year
    re.compile(
        rf"\b(?P<date>(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?)"
    ),
    re.compile(
        rf"\b(?P<date>(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_NAMES})\b\.?(?:,?\s+(?P<y>\d{{4}})\b)?)"
    ),
    re.compile(rf"\b(?P<date>(?P<mon>{_MONTH_NAMES})\.?,?\s+(?P<y>\d{{4}}))\b"),
    # a month name alone only after a word that makes it a date ("last October", "in April")
    re.compile(
        rf"\b(?:in|last|next|this|since|until|early|late|mid|by|of|from|during)\s+(?P<date>(?P<mon>{_MONTH_NAMES}))\b"
    ),
    re.compile(r"(?<![\w.,$\u20ac\u00a3-])(?P<date>(?P<y>1[89]\d{2}|20\d{2}))(?![\w%]|,\d)"),  # a year alone
)

# --------------------------------------------------------------------------------------------------
# Entities: capitalised phrases, split at titles, typed with small gazetteers.
# --------------------------------------------------------------------------------------------------


def _word_set(text: str) -> frozenset[str]:
    """Gazetteers are written as whitespace-separated words: easier to read and extend than list literals."""
    return frozenset(text.split())


#: A capitalised token: "Mr." and friends, "U.S.", "al-Maliki", "Pantsir-S1", "Ba\u2019ath" (a possessive
#: "\u2019s" is not part of the token).
_CAP_WORD = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep)\.|[A-Z]\.(?:[A-Z]\.)+|(?:al|el|bin|ibn)-[A-Z][\w-]*"
    r"|[A-Z][\w-]*(?:['\u2019][a-rt-z]\w*)?)"
)
_PHRASE = re.compile(rf"{_CAP_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{_CAP_WORD})*")

#: Capitalised only because they start a sentence or are function words; never an entity on their own.
_STOP = (
    _word_set(
        """a an the this that these those it its he she they we i his her their our you your in on at after
    before since over during while if however therefore thus many some most experts apart aside given now
    one once and but so also other who what when where why how should even lately unsurprisingly for from
    with as by there here then such each every all both no not yet still meanwhile moreover regional
    different frustrated instead according last next first second new more usd eur gbp using because although
    though despite unless whereas whether"""
    )
    | frozenset(MONTHS)
    | frozenset(f"{day}day" for day in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun"))
)
#: Titles that mark the following name as a person ("Foreign Minister Sergey Lavrov").
_CORE_TITLES = _word_set(
    """president minister secretary speaker mr mr. mrs mrs. ms ms. dr dr. general ayatollah sheikh king queen
    prince chancellor senator governor mayor ambassador commander colonel major lieutenant admiral pope
    spokesman spokeswoman chief cleric director"""
)
_TITLE_WORDS = _CORE_TITLES | _word_set("vice prime foreign defense defence deputy former interior state")
_PLACE_ALIASES = {
    "u.s.": "United States", "us": "United States", "usa": "United States", "united states": "United States",
    "america": "United States", "united states of america": "United States", "russian federation": "Russia",
    "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom",
}  # fmt: skip
_DEMONYMS = {
    "russian": "Russia", "russians": "Russia", "iraqi": "Iraq", "iraqis": "Iraq",
    "american": "United States", "americans": "United States", "iranian": "Iran", "iranians": "Iran",
    "syrian": "Syria", "syrians": "Syria", "turkish": "Turkey", "israeli": "Israel",
    "saudi": "Saudi Arabia", "chinese": "China", "egyptian": "Egypt", "afghan": "Afghanistan",
    "ukrainian": "Ukraine", "british": "United Kingdom", "french": "France", "german": "Germany",
    "soviet": "Soviet Union", "kurdish": "Kurdistan",
}  # fmt: skip
_PLACES = (
    _word_set(
        """russia iraq iran syria turkey afghanistan israel egypt india china ukraine lebanon jordan yemen
    libya qatar kuwait pakistan france germany italy spain japan vietnam moscow baghdad washington
    aleppo damascus tehran ankara kabul mosul ramadi baiji anbar fallujah basra kirkuk erbil kremlin
    europe asia africa eurasia kurdistan crimea"""
    )
    | frozenset(("soviet union", "middle east", "persian gulf", "saudi arabia"))
    | frozenset(_DEMONYMS.values()).union(n.lower() for n in _DEMONYMS.values())
)
_PLACE_SUFFIXES = _word_set("east west asia province city republic region sea gulf valley peninsula")
#: "South Vietnam", "Central Asian", "Middle Eastern", "Republic of Iraq", "Greater Middle East".
_PLACE_PREFIXES = _word_set("north south east west central middle greater upper lower republic")
_ORGS = _word_set(
    "isis isil is daesh nato un eu opec pentagon reuters cbs bbc cnn afp ap islamic state hezbollah taliban"
)
_ORG_WORDS = _word_set(
    """ministry department council parliament party army forces government agency times news post coalition
    union organization organisation committee commission bank company corp inc university institute
    outlook duran state federation"""
)


@dataclass(frozen=True, slots=True)
class _Entity:
    text: str
    kind: str
    canonical: str

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "kind": self.kind, "canonical": self.canonical}


def extract_mentions(text: str) -> dict[str, Any]:
    """Entities, numbers and dates mentioned in `text`, as JSON-serialisable dicts.

    * `entities`: `{"text", "kind": place|org|person|other, "canonical"}`; "canonical" folds aliases and
      nationality words to one name ("U.S."/"America"/"American" -> "United States") for matching.
    * `numbers`: `{"text", "value": float, "unit": "USD"|"EUR"|"GBP"|"RUB"|"percent"|""}`; scale words are
      applied ("$4.2 billion" -> 4.2e9). Years and the digits of dates are dates, not numbers.
    * `dates`: `{"text", "year", "month", "day"}` with None for the parts not stated.
    """
    dates, masked = _find_dates(text)
    return {
        "entities": [entity.as_dict() for entity in _find_entities(text)],
        "numbers": _find_numbers(masked),
        "dates": dates,
    }


def _find_dates(text: str) -> tuple[list[dict[str, Any]], str]:
    """Dates in order of appearance, and `text` with their characters masked so numbers skip them."""
    found: list[tuple[int, dict[str, Any]]] = []
    masked = text
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(masked):
            groups = match.groupdict()
            month = MONTHS[groups["mon"].lower()] if groups.get("mon") else _int_or_none(groups.get("m"))
            found.append(
                (
                    match.start("date"),
                    {
                        "text": match.group("date"),
                        "year": _int_or_none(groups.get("y")),
                        "month": month,
                        "day": _int_or_none(groups.get("d")),
                    },
                )
            )
        masked = pattern.sub(lambda m: "#" * len(m.group(0)), masked)
    return [date for _, date in sorted(found, key=lambda item: item[0])], masked


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None


def _find_numbers(masked: str) -> list[dict[str, Any]]:
    numbers: list[dict[str, Any]] = []
    for match in _NUMBER.finditer(masked):
        cur, scale, short, unit = match.group("cur", "scale", "short", "unit")
        value = float(match.group("num").replace(",", ""))
        multiplier = _SCALE[(scale or short or "").lower()] if (scale or short) else 1.0
        if short and not cur and not unit:  # "5m" alone is more likely metres than millions
            continue
        unit_name = _UNIT_SUFFIX.get(re.sub(r"\s+", " ", unit or "").lower().removeprefix("us "), "")
        unit_name = unit_name or _CURRENCY_PREFIX.get((cur or "").strip().lower(), "")
        numbers.append({"text": match.group(0).strip(), "value": value * multiplier, "unit": unit_name})
    return numbers


def _find_entities(text: str) -> list[_Entity]:
    """Capitalised phrases, leading stop words removed, split into demonym / title / name parts."""
    entities: dict[tuple[str, str], _Entity] = {}
    for match in _PHRASE.finditer(text):
        for tokens in _without_stop_words(match.group(0).split()):
            for entity in _split_phrase(tokens):
                entities.setdefault((entity.canonical.lower(), entity.kind), entity)
    return list(entities.values())


def _without_stop_words(tokens: list[str]) -> list[list[str]]:
    """Split a phrase at stop words, month and day names ("In January Russia" -> [["Russia"]])."""
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token.lower().rstrip(".") in _STOP:
            parts.append([])
        else:
            parts[-1].append(token)
    trimmed = ([*_trim_of(part)] for part in parts)
    return [part for part in trimmed if part]


def _trim_of(tokens: list[str]) -> list[str]:
    """A part cut at a stop word may begin or end with the connector "of"; drop it there."""
    while tokens and tokens[0] == "of":
        tokens = tokens[1:]
    while tokens and tokens[-1] == "of":
        tokens = tokens[:-1]
    return tokens


def _split_phrase(tokens: list[str]) -> list[_Entity]:
    """ "Russian Foreign Minister Sergey Lavrov" -> Russian (place: Russia), Sergey Lavrov (person)."""
    phrase = " ".join(tokens)
    if phrase.lower() in _PLACES or phrase.lower() in _PLACE_ALIASES:  # "Russian Federation", "Soviet Union"
        return [_Entity(phrase, "place", _PLACE_ALIASES.get(phrase.lower(), phrase))]
    result: list[_Entity] = []
    while tokens and (place := _leading_place(tokens[0], tokens[1] if len(tokens) > 1 else "")) is not None:
        result.append(place)
        tokens = tokens[1:]
    if all(token.lower() in _TITLE_WORDS for token in tokens):  # a bare title: "Prime Minister"
        return result
    titles = 0
    while titles < len(tokens) and tokens[titles].lower() in _TITLE_WORDS:
        titles += 1
    if 0 < titles < len(tokens) and any(t.lower() in _CORE_TITLES for t in tokens[:titles]):
        name = " ".join(tokens[titles:])
        return [*result, _Entity(name, "person", name)]
    phrase = " ".join(tokens)
    result.append(_Entity(phrase, _entity_kind(tokens), _PLACE_ALIASES.get(phrase.lower(), phrase)))
    return result


def _leading_place(token: str, following: str) -> _Entity | None:
    """A nationality word ("Russian ...") or a country name before a title ("US President ...")."""
    lowered = token.lower()
    if lowered in _DEMONYMS:
        return _Entity(token, "place", _DEMONYMS[lowered])
    if following.lower() in _TITLE_WORDS and (lowered in _PLACE_ALIASES or lowered in _PLACES):
        return _Entity(token, "place", _PLACE_ALIASES.get(lowered, token))
    return None


def _entity_kind(tokens: list[str]) -> str:
    """Gazetteers first, then the phrase's last word (Ministry -> org, Province -> place), then the shape:
    two to four title-case words that are neither place nor org are taken to be a person's name."""
    phrase = " ".join(tokens).lower()
    words = [t.lower() for t in tokens]
    if phrase in _PLACE_ALIASES or phrase in _PLACES:
        return "place"
    if (
        phrase in _ORGS
        or any(w in _ORG_WORDS for w in words)
        or (len(phrase) <= 5 and phrase.isalpha() and tokens[0].isupper() and len(phrase) > 1)
    ):
        return "org"
    if words[-1] in _PLACE_SUFFIXES or words[0] in _PLACE_PREFIXES:
        return "place"
    if len(tokens) == 1 and words[0].startswith(("al-", "el-")):  # "al-Maliki"
        return "person"
    if 2 <= len(tokens) <= 4 and all(t[0].isupper() or t.startswith(("al-", "el-", "bin-")) for t in tokens):
        return "person"
    return "other"


# --------------------------------------------------------------------------------------------------
# Claim kind
# --------------------------------------------------------------------------------------------------

#: Three or more words inside quotation marks (straight, curly or guillemets); the closing mark may be
#: missing when a quotation runs past the end of the sentence.
_QUOTED = re.compile(
    r"[\"\u201c\u00ab]\s*[^\s\"\u201c\u201d\u00ab\u00bb]+(?:\s+[^\s\"\u201c\u201d\u00ab\u00bb]+){2,}"
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|tells|stated|states|announced|announces|declared|claimed|claims|confirmed|confirms|"
    r"remarked|noted|added|insisted|warned|reported|reports|(?i:according\s+to)|quoted)\b"
)  # case-sensitive on purpose: "the United States" is not "states"
#: More reported speech, read by the claim type only (`_ATTRIBUTION` also feeds the heuristic score): what
#: someone wrote, claimed, cited or complained of, or was warned, told or advised.
_REPORTED = re.compile(
    r"\b(?:wrote|writes|insisting|claiming|cited|citing|complained|criticized|criticised|argued|testified|"
    r"tweeted|(?:was|were)\s+(?:warned|told|advised))\b"
)
#: A weekday anchors a news event in time ("on Sunday"); it is not a date a conflict could compare, so it
#: is not among the mentions.
_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
_CAUSAL = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|thanks\s+to|as\s+a\s+result|result(?:ed|s)?\s+in|led\s+to|leads?\s+to|"
    r"leading\s+to|caus(?:ed|es|ing)|triggered|prompted|in\s+response\s+to)\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:(?!(?:other|rather|whether|never|ever|either|neither|together|under|over|after|later)\b)\w+er\s+than|"
    r"(?:more|less|fewer)\s+(?:\w+\s+)?than|compared\s+(?:to|with)|the\s+(?:most|least)|largest|biggest|highest|"
    r"lowest|smallest|greatest|strongest|weakest|best|worst|fastest|deadliest|longest|twice\s+as)\b",
    re.IGNORECASE,
)
_PREDICTION = re.compile(
    r"\b(?:will|won't|shall|(?:is|are|was|were)\s+(?:expected|set|likely|going|due|poised)\s+to|plans?\s+to|"
    r"planning\s+to|intends?\s+to|forecasts?|predicts?|predicted|projected\s+to)\b",
    re.IGNORECASE,
)
_IRREGULAR_PAST = (
    "met|took|sent|began|won|lost|fought|held|made|gave|went|came|left|struck|spent|paid|sold|bought|built|"
    "fell|rose|saw|told|said|signed|voted"
)
#: Lowercase on purpose ("United" is not a verb); "-eed" words ("need", "indeed") are not past tense.
_PAST_TENSE = re.compile(rf"\b(?:{_IRREGULAR_PAST}|(?![a-z]*eed\b)[a-z]{{2,}}ed)\b")


def classify_claim(text: str) -> ClaimKind:
    """The kind of claim, by the first rule that fires (most checkable handle first):

    1. STATISTIC -- a quantity (money, percent, a count; years and dates do not count);
    2. QUOTE -- quoted words (three or more) or attribution ("said", "according to", "reported", "wrote",
       "citing", "was told");
    3. CAUSAL -- "because", "due to", "led to", "caused", "as a result", ...;
    4. COMPARISON -- "-er than", "more/less than", "compared to/with", superlatives;
    5. PREDICTION -- "will", "is expected/set/likely to", "plans to", "forecast", ...;
    6. EVENT -- a past-tense verb together with a date, a weekday or a place;
    7. OTHER.
    """
    mentions = extract_mentions(text)
    if mentions["numbers"]:
        return ClaimKind.STATISTIC
    if _QUOTED.search(text) or _ATTRIBUTION.search(text) or _REPORTED.search(text):
        return ClaimKind.QUOTE
    for pattern, kind in ((_CAUSAL, ClaimKind.CAUSAL), (_COMPARISON, ClaimKind.COMPARISON),
                          (_PREDICTION, ClaimKind.PREDICTION)):  # fmt: skip
        if pattern.search(text):
            return kind
    has_place = any(e["kind"] == "place" for e in mentions["entities"])
    if _PAST_TENSE.search(text) and (mentions["dates"] or has_place or _WEEKDAY.search(text)):
        return ClaimKind.EVENT
    return ClaimKind.OTHER


# --------------------------------------------------------------------------------------------------
# Heuristic check-worthiness score
# --------------------------------------------------------------------------------------------------

#: Feature -> weight, added to `BASE` and clamped to [0, 1]. Positive: what a fact-checker can verify;
#: negative: what cannot be checked (questions, speculation, opinion) or is not a claim at all.
SCORE_WEIGHTS: dict[str, float] = {
    "base": 0.35,
    "quantity": 0.25,  # a figure: "$4.2 billion", "12%", "1,200 troops"
    "date": 0.12,  # a year or date anchors an event in time
    "attribution": 0.12,  # "said", "according to", quoted words
    "entity": 0.08,  # names a place, organisation or person
    "many_entities": 0.04,  # three or more of them
    "past_event": 0.06,  # a past-tense action (something happened)
    "question": -0.40,  # "Who will protect Iraq?"
    "hedge": -0.25,  # "may", "could", "might", "perhaps", "probably", "would", "seems"
    "opinion": -0.20,  # first person, "should"/"must", evaluative adverbs
    "imperative": -0.45,  # "Click here", "Share this", "Subscribe" -- clutter that survived cleaning
    "short": -0.30,  # fewer than 6 words
    "shortish": -0.10,  # 6-9 words
}
_HEDGE = re.compile(
    r"\bmay\b|(?i:\b(?:might|could|perhaps|possibly|probably|likely|unlikely|would|seems?|appears?\s+to|"
    r"allegedly|speculat\w*|wonder)\b)"
)
_OPINION = re.compile(
    r"\b(?:I|we|We|my|My|our|Our|us)\b|(?i:\b(?:I\s+think|I\s+believe|in\s+my\s+(?:view|opinion)|should|must|ought\s+to|"
    r"clearly|obviously|unsurprisingly|of\s+course|arguably|misguided|shameful|disgraceful)\b)"
)
_IMPERATIVE = re.compile(
    r"^(?:please\s+)?(?:click|share|subscribe|follow|read|sign|download|join|watch|listen|tweet|like|comment|"
    r"register|log|select|see|check\s+out|don't\s+miss)\b",
    re.IGNORECASE,
)


def heuristic_score(text: str) -> float:
    """Rule-based check-worthiness in [0, 1]: the sum of `SCORE_WEIGHTS` for the features present, clamped
    and rounded to 4 decimals (so the same sentence always gets exactly the same score)."""
    stripped = text.strip()
    if not stripped:
        return 0.0
    mentions = extract_mentions(stripped)
    words = len(stripped.split())
    named = [e for e in mentions["entities"] if e["kind"] != "other"]
    features = {
        "base": True,
        "quantity": bool(mentions["numbers"]),
        "date": bool(mentions["dates"]),
        "attribution": bool(_ATTRIBUTION.search(stripped) or _QUOTED.search(stripped)),
        "entity": bool(named),
        "many_entities": len(named) >= 3,
        "past_event": bool(_PAST_TENSE.search(stripped)),
        "question": stripped.rstrip("\"'\u201d\u2019)").endswith("?"),
        "hedge": bool(_HEDGE.search(stripped)),
        "opinion": bool(_OPINION.search(stripped)),
        "imperative": bool(_IMPERATIVE.search(stripped)),
        "short": words < 6,
        "shortish": 6 <= words < 10,
    }
    total = sum(SCORE_WEIGHTS[name] for name, present in features.items() if present)
    return round(min(1.0, max(0.0, total)), 4)
