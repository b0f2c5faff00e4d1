"""How well matching and conflict detection do on the labelled claims; `manage.py evaluate_matching`.

The labelled set is `data/claims.json` (rules: docs/matching.md): claims grouped by story (`group`), each
in a `cluster` of claims that are the same claim; `conflicts` lists the kinds of fact two claims of one
cluster disagree on. Every pair of claims within a split is judged: same cluster = same claim, anything
else = different claims (so precision counts every wrong link a desk of these claims would get).

Split, fixed before any figure was read: the first 20 groups sorted by name, the 1st, 3rd, 5th, ... are
development, the others held out; groups added later (`added_groups` in the data, same-story negatives)
are in the split stated for each when it was written, and never move the others. The threshold is chosen
by `choose_threshold`'s rule on the development pairs: the development split's and the seeds'
cross-article pairs (`seed_pairs`: five reports on one story, where most pairs are not the same claim),
leaving out pairs of two held-out sentences. It is reported on the held-out part, and on the held-out
groups added (read once); the seeds are then matched with it end to end (extraction, previous sentence
in the paragraph, similarity, conflicts).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reviews.matching.conflicts import conflicts_between
from reviews.matching.facts import Facts
from reviews.matching.reading import embed_readings, read_claim, read_claims
from reviews.matching.similarity import cosine, similarity

DATA = Path(__file__).resolve().parent / "data" / "claims.json"
#: The rule for the threshold: the lowest on a 0.01 grid at which development precision reaches
#: `TARGET_PRECISION` (a margin over the 0.9 target, since the development split is small), so recall
#: is as high as that precision allows; if none reaches it, the threshold of best F1.
TARGET_PRECISION = 0.95
GRID = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Claim:
    id: str
    group: str
    cluster: str
    text: str
    previous: str | None
    source: str
    facts: Facts = field(default_factory=dict)  # type: ignore[assignment]
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))


@dataclass
class Scores:
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path = DATA) -> tuple[list[Claim], dict[frozenset[str], set[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    claims = [
        Claim(**{k: row[k] for k in ("id", "group", "cluster", "text", "previous", "source")})
        for row in data["claims"]
    ]
    conflicts: dict[frozenset[str], set[str]] = {}
    for row in data["conflicts"]:
        conflicts.setdefault(frozenset((row["a"], row["b"])), set()).update(row["kinds"])
    return claims, conflicts


def added_groups(path: Path = DATA) -> dict[str, str]:
    """The split of each group added after the first figures were read ("added_groups" in the data),
    stated when the group was written, before any figure on it was read."""
    return dict(json.loads(path.read_text(encoding="utf-8")).get("added_groups", {}))


def split(claims: list[Claim], added: dict[str, str] | None = None) -> dict[str, list[Claim]]:
    """The fixed split: the first groups, sorted by name, alternate (1st, 3rd, ... development); a group
    added later (`added_groups`) is in the split stated for it, and does not shift the others."""
    added = added_groups() if added is None else added
    groups = sorted({c.group for c in claims} - set(added))
    dev = set(groups[0::2]) | {group for group, part in added.items() if part == "development"}
    return {
        "development": [c for c in claims if c.group in dev],
        "held-out": [c for c in claims if c.group not in dev],
    }


def prepare(claims: list[Claim], embed: Embed) -> None:
    readings = [read_claim(c.text, c.previous) for c in claims]
    vectors = embed_readings(readings, embed)
    for claim, reading, vector in zip(claims, readings, vectors, strict=True):
        claim.vector = vector
        claim.facts = reading.facts


Pair = tuple[Claim, Claim, float, bool]
#: Any two claims, their similarity, and whether they are the same claim (labelled pairs, seed pairs).
AnyPair = tuple[Any, Any, float, bool]


Score = Callable[[Any, Any], float]


def pairs(claims: list[Claim], score: Score) -> list[Pair]:
    return [(a, b, score(a, b), a.cluster == b.cluster) for a, b in itertools.combinations(claims, 2)]


def combined(a: Claim | SeedClaim, b: Claim | SeedClaim) -> float:
    return similarity(a.vector, a.facts, b.vector, b.facts)


def cosine_only(a: Claim | SeedClaim, b: Claim | SeedClaim) -> float:
    return max(0.0, cosine(a.vector, b.vector))


def scores_at(scored: Sequence[AnyPair], threshold: float) -> Scores:
    tp = sum(1 for *_, s, same in scored if s >= threshold and same)
    fp = sum(1 for *_, s, same in scored if s >= threshold and not same)
    fn = sum(1 for *_, s, same in scored if s < threshold and same)
    return Scores(threshold, tp, fp, fn, len(scored) - tp - fp - fn)


def choose_threshold(scored: Sequence[AnyPair]) -> float:
    """The rule stated at `TARGET_PRECISION`."""
    table = [scores_at(scored, t) for t in GRID]
    reaching = [s for s in table if s.precision >= TARGET_PRECISION and s.tp]
    if reaching:
        return reaching[0].threshold
    return max(table, key=lambda s: (s.f1, s.threshold)).threshold


@dataclass
class ConflictScores:
    found: int = 0  # (pair, kind) reported
    correct: int = 0  # reported and labelled
    labelled: int = 0  # labelled on pairs that were judged
    on_different_claims: int = 0  # reported on a pair whose claims are different claims
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0


def conflict_scores(
    scored: list[Pair], threshold: float | None, labels: dict[frozenset[str], set[str]]
) -> ConflictScores:
    """Conflicts reported on the pairs matched at `threshold` (None: on the truly same pairs, to measure
    the conflict rules alone) against the labels; a labelled conflict on a pair left unmatched is missed."""
    result = ConflictScores()
    for a, b, s, same in scored:
        key = frozenset((a.id, b.id))
        gold = labels.get(key, set())
        result.labelled += len(gold)
        matched = same if threshold is None else s >= threshold
        found = {c.kind for c in conflicts_between(a.facts, b.facts)} if matched else set()
        result.found += len(found)
        result.correct += len(found & gold)
        if found and not same:
            result.on_different_claims += len(found)
        result.wrong += [f"{a.id} / {b.id}: {kind}" for kind in sorted(found - gold)]
        result.missed += [f"{a.id} / {b.id}: {kind}" for kind in sorted(gold - found)]
    return result


# ------------------------------------------------------------------------------------------------ seeds


@dataclass
class SeedClaim:
    article: str
    index: int
    text: str
    previous: str | None
    facts: Facts
    vector: np.ndarray


#: The claims of different seed articles that are the same claim (by reading them; rule 1 of
#: docs/matching.md): the four-way intelligence-sharing deal, and the arms deal (001's "arms supply
#: agreement" sentence and the "worth 4.2 billion USD" sentence after it, against 004's 2013 sentence).
SEED_SAME = (("four-way intelligence sharing", "intelligence-sharing deal with Iran"),
             ("Iraq signed an arms supply agreement", "In 2013, former Prime Minister"),
             ("The arms deal was worth", "In 2013, former Prime Minister"))  # fmt: skip
#: The conflicts the seeds really hold (by reading them): the arms deal, signed in 2012 in one report and
#: in 2013 in another. Any other conflict reported on the seeds is a false one.
SEED_CONFLICTS = (("Iraq signed an arms supply agreement", "In 2013, former Prime Minister", "year"),
                  ("The arms deal was worth", "In 2013, former Prime Minister", "year"))  # fmt: skip


#: Pairs of seed claims that state no checkable specific and come close to one proposition, judged
#: different claims by rule 6 of docs/matching.md (a verdict on one does not settle the other): the
#: report marks them "borderline" so a reader can judge them too. They count as different claims.
SEED_BORDERLINE = (
    ("Russia has been engaging more with Iraq", "Russia has been cooperating more closely"),
    ("it has created a commanding influence", "influence in the Middle East has grown"),
    ("Iraq had served as an outpost for the US", "Iraq is slipping through America"),
    ("U.S. was not moving fast enough against IS", "slow progress against the self-proclaimed"),
    ("long time supporter of the Iraqi government", "historically strong relations"),
)


def seed_claims(seed_dir: Path, embed: Embed) -> list[SeedClaim]:
    from reviews.extraction.pipeline import extract_article

    claims: list[SeedClaim] = []
    for path in sorted(seed_dir.glob("*.txt")):
        result = extract_article(path.read_text(encoding="utf-8"), filename=path.name)
        spans = [s.span for s in result.sentences]
        positions = [position for position, s in enumerate(result.sentences) if s.is_claim]
        # The worker's own reading of stored claims (reviews.services.matching_run).
        readings = read_claims(result.article.body, spans, positions)
        vectors = embed_readings(readings, embed)
        for position, reading, vector in zip(positions, readings, vectors, strict=True):
            claims.append(
                SeedClaim(
                    article=path.stem,
                    index=spans[position].index,
                    text=reading.sentence,
                    previous=reading.previous,
                    facts=reading.facts,
                    vector=vector,
                )
            )
    return claims


def seed_report(claims: list[SeedClaim], threshold: float) -> dict[str, Any]:
    matches: list[dict[str, Any]] = []
    false_conflicts: list[str] = []
    true_conflicts: list[str] = []
    for a, b in itertools.combinations(claims, 2):
        if a.article == b.article:
            continue  # matching compares a claim with the claims of every OTHER article
        score = similarity(a.vector, a.facts, b.vector, b.facts)
        if score < threshold:
            continue
        found = conflicts_between(a.facts, b.facts)
        matches.append(
            {
                "a": a,
                "b": b,
                "similarity": score,
                "conflicts": found,
                "same": _seed_same(a, b),
                "borderline": _seed_borderline(a, b),
            }
        )
        for conflict in found:
            where = f"{a.article} #{a.index} / {b.article} #{b.index}"
            line = f"{conflict.kind}: {conflict.value} / {conflict.other_value} ({where})"
            expected = any(
                kind == conflict.kind
                and (
                    ((x in a.text or x in (a.previous or "")) and y in b.text)
                    or ((x in b.text or x in (b.previous or "")) and y in a.text)
                )
                for x, y, kind in SEED_CONFLICTS
            )
            (true_conflicts if expected else false_conflicts).append(line)
    same_pairs = sum(
        1 for a, b in itertools.combinations(claims, 2) if a.article != b.article and _seed_same(a, b)
    )
    return {
        "claims": len(claims),
        "matches": matches,
        "same_pairs": same_pairs,
        "true": true_conflicts,
        "false": false_conflicts,
    }


def _seed_same(a: SeedClaim, b: SeedClaim) -> bool:
    return _seed_pair_in(a, b, SEED_SAME)


def _seed_borderline(a: SeedClaim, b: SeedClaim) -> bool:
    return _seed_pair_in(a, b, SEED_BORDERLINE)


def _seed_pair_in(a: SeedClaim, b: SeedClaim, pairs: Sequence[tuple[str, str]]) -> bool:
    return any((x in a.text and y in b.text) or (x in b.text and y in a.text) for x, y in pairs)


def seed_pairs(claims: list[SeedClaim], held_out: list[Claim], score: Score = combined) -> list[AnyPair]:
    """The seed claims of different articles, scored and labelled (`SEED_SAME`), for development: every
    such pair but those whose two sentences are both labelled claims of the held-out split (those pairs
    are judged there, and must not be seen here)."""
    held = {c.text for c in held_out}
    return [
        (a, b, score(a, b), _seed_same(a, b))
        for a, b in itertools.combinations(claims, 2)
        if a.article != b.article and not (a.text in held and b.text in held)
    ]


def development_pairs(
    parts: dict[str, list[Claim]], seeds: list[SeedClaim], score: Score = combined
) -> list[AnyPair]:
    """What the threshold is chosen on: the development split's pairs and the seeds' cross-article pairs
    (`seed_pairs`), so the rule sees claims of one story that are not the same claim."""
    return [*pairs(parts["development"], score), *seed_pairs(seeds, parts["held-out"], score)]


# ------------------------------------------------------------------------------------------------ report

FIGURES_START = "<!-- evaluate_matching: start -->"
FIGURES_END = "<!-- evaluate_matching: end -->"


def evaluate(embed: Embed, seed_dir: Path | None, path: Path = DATA) -> dict[str, Any]:
    """Every figure docs/matching.md reports, as plain data. Without `seed_dir` the threshold is chosen
    on the labelled development split alone (the shipped one is chosen with the seeds)."""
    claims, labels = load(path)
    prepare(claims, embed)
    parts = split(claims)
    fresh = {group for group, part in added_groups(path).items() if part == "held-out"}
    parts["held-out, added"] = [c for c in parts["held-out"] if c.group in fresh]
    seeds = seed_claims(seed_dir, embed) if seed_dir is not None and seed_dir.is_dir() else []
    scored = {name: pairs(part, combined) for name, part in parts.items()}
    baseline = {name: pairs(part, cosine_only) for name, part in parts.items()}
    development = development_pairs(parts, seeds, combined)
    threshold = choose_threshold(development)
    cosine_threshold = choose_threshold(development_pairs(parts, seeds, cosine_only))
    result: dict[str, Any] = {"threshold": threshold, "cosine_threshold": cosine_threshold, "splits": {}}
    for name in parts:
        at = scores_at(scored[name], threshold)
        cos = scores_at(baseline[name], cosine_threshold)
        matched = conflict_scores(scored[name], threshold, labels)
        oracle = conflict_scores(scored[name], None, labels)
        result["splits"][name] = {
            "claims": len(parts[name]),
            "groups": len({c.group for c in parts[name]}),
            "pairs": len(scored[name]),
            "same_pairs": sum(1 for *_, same in scored[name] if same),
            "matching": vars(at) | {"precision": at.precision, "recall": at.recall, "f1": at.f1},
            "cosine_only": vars(cos) | {"precision": cos.precision, "recall": cos.recall, "f1": cos.f1},
            "conflicts": vars(matched) | {"precision": matched.precision, "recall": matched.recall},
            "conflicts_on_true_matches": vars(oracle)
            | {"precision": oracle.precision, "recall": oracle.recall},
        }
    if seeds:
        seed_dev = seed_pairs(seeds, parts["held-out"], combined)
        at = scores_at(seed_dev, threshold)
        result["seed_development"] = {"pairs": len(seed_dev), "same_pairs": at.tp + at.fn} | vars(at)
        report = seed_report(seeds, threshold)
        result["seeds"] = {
            "claims": report["claims"],
            "matches": [
                {
                    "a": f"{m['a'].article} #{m['a'].index}",
                    "b": f"{m['b'].article} #{m['b'].index}",
                    "similarity": m["similarity"],
                    "a_text": m["a"].text,
                    "b_text": m["b"].text,
                    "conflicts": [c.kind for c in m["conflicts"]],
                    "same": m["same"],
                    "borderline": m["borderline"],
                }
                for m in report["matches"]
            ],
            "same_pairs": report["same_pairs"],
            "true_conflicts": report["true"],
            "false_conflicts": report["false"],
        }
    return result


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_report(result: dict[str, Any], command: str) -> str:
    """The figures section of docs/matching.md."""
    lines = [
        FIGURES_START,
        f"Produced by `{command}`; do not edit by hand.",
        "",
        f"Threshold chosen on the development pairs (the development split and the seeds' cross-article "
        f"pairs): **{result['threshold']:.2f}** (combined similarity); "
        f"{result['cosine_threshold']:.2f} for the cosine alone, by the same rule.",
        "",
        "| split | claims (groups) | pairs (same) | matching precision | recall | F1 "
        "| cosine alone: precision | recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["splits"].items():
        m, c = s["matching"], s["cosine_only"]
        lines.append(
            f"| {name} | {s['claims']} ({s['groups']}) | {s['pairs']} ({s['same_pairs']}) | "
            f"{m['precision']:.3f} ({m['tp']}/{m['tp'] + m['fp']}) | "
            f"{m['recall']:.3f} ({m['tp']}/{m['tp'] + m['fn']}) | "
            f"{m['f1']:.3f} | {c['precision']:.3f} | {c['recall']:.3f} |"
        )
    seed_dev = result.get("seed_development")
    if seed_dev:
        lines += [
            "",
            f"Seed pairs in the development pool: {seed_dev['pairs']} pairs of claims of different seed "
            f"reports ({seed_dev['same_pairs']} the same claim; the pairs of two held-out labelled "
            f"sentences are left out), {seed_dev['tp'] + seed_dev['fp']} matched at the threshold, "
            f"{seed_dev['fp']} of them wrongly. `held-out, added`: the held-out groups added with the "
            "same-story negatives, never read before this report.",
        ]
    lines += [
        "",
        "Conflicts, reported on the pairs matched at the threshold (a labelled conflict on a pair left "
        "unmatched counts as missed), and on the truly same pairs (the conflict rules alone):",
        "",
        "| split | conflicts precision | recall | reported between different claims "
        "| rules alone: precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in result["splits"].items():
        k, o = s["conflicts"], s["conflicts_on_true_matches"]
        lines.append(
            f"| {name} | {k['precision']:.3f} ({k['correct']}/{k['found']}) | {k['recall']:.3f} "
            f"({k['correct']}/{k['labelled']}) | {k['on_different_claims']} | "
            f"{o['precision']:.3f} | {o['recall']:.3f} |"
        )
    for name, s in result["splits"].items():
        k = s["conflicts"]
        if k["wrong"] or k["missed"]:
            lines += ["", f"{name}: wrong conflicts: {', '.join(k['wrong']) or 'none'}; "
                          f"missed: {', '.join(k['missed']) or 'none'}."]  # fmt: skip
    seeds = result.get("seeds")
    if seeds:
        lines += [
            "",
            f"Seeds (`seeds/`, five reports on one story), claims of different articles compared: "
            f"{seeds['claims']} check-worthy claims, {len(seeds['matches'])} matched pairs, of which "
            f"{sum(m['same'] for m in seeds['matches'])} are the same claim (of {seeds['same_pairs']} such "
            f"pairs, `evaluation.SEED_SAME`) and {sum(m['borderline'] for m in seeds['matches'])} "
            f"borderline (`evaluation.SEED_BORDERLINE`, counted as different); conflicts: "
            f"{len(seeds['true_conflicts'])} true, **{len(seeds['false_conflicts'])} false**.",
            "",
            "| claims | similarity | same claim | conflicts | sentences |",
            "|---|---|---|---|---|",
        ]
        for m in seeds["matches"]:
            same = "yes" if m["same"] else "borderline" if m["borderline"] else "no"
            lines.append(
                f"| {m['a']} / {m['b']} | {m['similarity']:.3f} | {same} | "
                f"{', '.join(m['conflicts']) or '-'} | "
                f"{_short(m['a_text'], 70)} / {_short(m['b_text'], 70)} |"
            )
        if seeds["false_conflicts"]:
            lines += ["", "False conflicts on the seeds: " + "; ".join(seeds["false_conflicts"])]
    lines.append(FIGURES_END)
    return "\n".join(lines) + "\n"


def replace_figures(text: str, figures: str) -> str:
    start, end = text.find(FIGURES_START), text.find(FIGURES_END)
    if start < 0 or end < start:
        raise ValueError(f"markers {FIGURES_START!r} and {FIGURES_END!r} not found")
    return text[:start] + figures + text[end + len(FIGURES_END) :].lstrip("\n")
