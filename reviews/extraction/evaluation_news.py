"""Check-worthiness on news: the labelled articles, the figures `evaluate_extractor --news` reports, and the
rule that chooses the news threshold.

The labelled set is `data/news_labelled.json` (rules: docs/extraction.md, "News labelled set"): whole public
news articles, every sentence in order, each labelled check-worthy or not and, when check-worthy, with its
claim type; and, apart from them, the five seed reports, a separate check that chooses nothing.

The news threshold is chosen by `choose_threshold` (the highest threshold that keeps recall at or above 0.9).
Its figures are cross-validated over articles (`cross_validate`: each article is scored at the threshold the
rule chose on the other articles), so no reported figure comes from the sentences that chose its threshold.
Pure functions (stdlib + numpy, no ORM), like `evaluation.py`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from reviews.extraction.annotate import classify_claim
from reviews.extraction.evaluation import precision_recall_f1
from reviews.extraction.types import ClaimKind

NEWS_SET = Path(__file__).resolve().parent / "data" / "news_labelled.json"
NEWS_FIGURES_START = "<!-- news-figures:start -->"
NEWS_FIGURES_END = "<!-- news-figures:end -->"

#: The rule's floor: a news queue must keep at least 9 in 10 check-worthy sentences (issue 19's target).
MIN_RECALL = 0.9
#: Thresholds the rule may choose: 0.05 to 0.95 in steps of 0.01, as `evaluation.best_threshold`.
GRID: tuple[float, ...] = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))


class SupportsScore(Protocol):
    version: str
    default_threshold: float

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class NewsSentence:
    text: str
    label: int  # 1 = check-worthy
    kind: str | None  # a ClaimKind value when check-worthy, else None


@dataclass(frozen=True, slots=True)
class NewsArticle:
    id: str
    sentences: tuple[NewsSentence, ...]


class NewsSetError(ValueError):
    """The labelled set's file breaks its format."""


# --------------------------------------------------------------------------------------------- the set


def load_news_set(path: Path = NEWS_SET) -> tuple[list[NewsArticle], list[NewsArticle]]:
    """(news articles, seed articles) of the labelled set, each article's sentences in order.

    Raises `NewsSetError` naming the article and sentence when a label is not 0/1 or a check-worthy
    sentence has no claim type of `ClaimKind` (or a skipped one has one).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parts = data["news"], data["seeds"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise NewsSetError(f"{path.name}: not a labelled news set ({exc})") from None
    kinds = {kind.value for kind in ClaimKind}
    loaded: list[list[NewsArticle]] = []
    for part in parts:
        articles = []
        for article in part:
            sentences = []
            for index, row in enumerate(article["sentences"]):
                where = f"{path.name}: {article['id']} sentence {index}"
                label, kind = row.get("label"), row.get("kind")
                if label not in (0, 1):
                    raise NewsSetError(f"{where}: label must be 0 or 1, not {label!r}")
                if label == 1 and kind not in kinds:
                    raise NewsSetError(f"{where}: a check-worthy sentence needs a kind of {sorted(kinds)}")
                if label == 0 and kind is not None:
                    raise NewsSetError(f"{where}: a skipped sentence has no kind")
                sentences.append(NewsSentence(str(row["text"]), int(label), kind))
            articles.append(NewsArticle(str(article["id"]), tuple(sentences)))
        loaded.append(articles)
    return loaded[0], loaded[1]


# --------------------------------------------------------------------------------------------- measures


def choose_threshold(
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    min_recall: float = MIN_RECALL,
    grid: Sequence[float] = GRID,
) -> float:
    """The highest threshold on `grid` at which recall is still at least `min_recall`: the shortest queue
    that keeps the required share of check-worthy sentences. The lowest grid point when none reaches it."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    for threshold in sorted(grid, reverse=True):
        if positives and int((y & (s >= threshold)).sum()) / positives >= min_recall:
            return float(threshold)
    return float(min(grid))


def precision_at_recall(
    labels: Sequence[int], scores: Sequence[float], min_recall: float = MIN_RECALL
) -> dict[str, float]:
    """Precision at the highest score cut whose recall is at least `min_recall` (cuts between any two
    scores, not only on a grid): the best precision a single threshold reaches with that recall."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    for cut in sorted(set(s.tolist()), reverse=True):
        kept = s >= cut
        recall = int((y & kept).sum()) / positives if positives else 0.0
        if recall >= min_recall:
            return {"precision": int((y & kept).sum()) / int(kept.sum()), "recall": recall, "threshold": cut}
    return {"precision": 0.0, "recall": 0.0, "threshold": 0.0}


def top_share_precision(
    articles: Sequence[tuple[Sequence[int], Sequence[float]]], share: float = 1 / 3
) -> float:
    """Precision of the top `share` (rounded up) of each article's ranking by score, pooled over articles:
    how much of what a reviewer reads first, were each article's queue cut to its top third, is worth it."""
    kept = hits = 0
    for labels, scores in articles:
        if not len(labels):
            continue
        top = math.ceil(len(labels) * share)
        order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:top]
        kept += top
        hits += int(np.asarray(labels)[order].sum())
    return hits / kept if kept else 0.0


def at_threshold(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    predictions = [int(x >= threshold) for x in scores]
    precision, recall, f1 = precision_recall_f1(labels, predictions)
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "claims": sum(predictions),
        "sentences": len(labels),
    }


def cross_validate(
    articles: Sequence[tuple[Sequence[int], Sequence[float]]], *, min_recall: float = MIN_RECALL
) -> dict[str, Any]:
    """Leave one article out: each article is cut at the threshold `choose_threshold` picks on all the
    other articles; precision and recall are pooled over every article's held-out sentences."""
    if len(articles) < 2:
        raise ValueError("cross-validation needs at least two articles")
    labels: list[int] = []
    predictions: list[int] = []
    thresholds = []
    for held_out, (held_labels, held_scores) in enumerate(articles):
        train_labels = [y for k, (ys, _) in enumerate(articles) if k != held_out for y in ys]
        train_scores = [x for k, (_, xs) in enumerate(articles) if k != held_out for x in xs]
        threshold = choose_threshold(train_labels, train_scores, min_recall=min_recall)
        thresholds.append(threshold)
        labels.extend(held_labels)
        predictions.extend(int(x >= threshold) for x in held_scores)
    precision, recall, f1 = precision_recall_f1(labels, predictions)
    return {
        "folds": len(articles),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "claims": sum(predictions),
        "thresholds": {
            "min": min(thresholds),
            "median": float(np.median(thresholds)),
            "max": max(thresholds),
        },
    }


def kind_accuracy(
    sentences: Sequence[NewsSentence], classify: Callable[[str], ClaimKind] = classify_claim
) -> dict[str, Any]:
    """How often `classify` gives the labelled claim type of each check-worthy sentence: per labelled type
    (n, correct, accuracy) and overall, with the commonest confusions (labelled -> given)."""
    per_kind: dict[str, dict[str, Any]] = {}
    confusions: Counter[str] = Counter()
    for sentence in sentences:
        if sentence.label != 1 or sentence.kind is None:
            continue
        given = classify(sentence.text).value
        row = per_kind.setdefault(sentence.kind, {"n": 0, "correct": 0})
        row["n"] += 1
        row["correct"] += int(given == sentence.kind)
        if given != sentence.kind:
            confusions[f"{sentence.kind} -> {given}"] += 1
    for row in per_kind.values():
        row["accuracy"] = row["correct"] / row["n"]
    n = sum(row["n"] for row in per_kind.values())
    correct = sum(row["correct"] for row in per_kind.values())
    order = [kind.value for kind in ClaimKind]
    return {
        "n": n,
        "accuracy": correct / n if n else 0.0,
        "per_kind": {kind: per_kind[kind] for kind in order if kind in per_kind},
        "confusions": dict(confusions.most_common(6)),
    }


# --------------------------------------------------------------------------------------------- evaluate


def _scored(scorer: SupportsScore, articles: Sequence[NewsArticle]) -> list[tuple[list[int], list[float]]]:
    """(labels, scores) per article, each sentence scored alone as ingest scores it."""
    return [([s.label for s in a.sentences], scorer.score([s.text for s in a.sentences])) for a in articles]


def _summary(
    scored: Sequence[tuple[Sequence[int], Sequence[float]]], thresholds: dict[str, float]
) -> dict[str, Any]:
    labels = [y for ys, _ in scored for y in ys]
    scores = [x for _, xs in scored for x in xs]
    return {
        "articles": len(scored),
        "sentences": len(labels),
        "positives": sum(labels),
        "at": {name: at_threshold(labels, scores, t) for name, t in thresholds.items()},
        "top_third_precision": top_share_precision(scored),
        "at_recall_0.9": precision_at_recall(labels, scores, MIN_RECALL),
    }


def evaluate_news(
    scorer: SupportsScore,
    path: Path = NEWS_SET,
    *,
    classify: Callable[[str], ClaimKind] = classify_claim,
) -> dict[str, Any]:
    """Every news figure: at the debate-tuned threshold (the scorer's default) and at the news threshold
    the rule chooses on all news articles; the cross-validated figures of that rule; the seeds at both
    thresholds (never used for choosing); and the claim-type accuracy on the check-worthy sentences."""
    news, seeds = load_news_set(path)
    news_scored = _scored(scorer, news)
    seeds_scored = _scored(scorer, seeds)
    chosen = choose_threshold(
        [y for ys, _ in news_scored for y in ys], [x for _, xs in news_scored for x in xs]
    )
    thresholds = {"debate": float(scorer.default_threshold), "news": chosen}
    return {
        "scorer_version": scorer.version,
        "rule": f"highest threshold on a 0.01 grid with recall >= {MIN_RECALL} on the choosing articles",
        "news_threshold": chosen,
        "shipped_news_threshold": getattr(scorer, "news_threshold", None),
        "news": _summary(news_scored, thresholds),
        "cross_validated": cross_validate(news_scored),
        "seeds": _summary(seeds_scored, thresholds),
        "kinds_news": kind_accuracy([s for a in news for s in a.sentences], classify),
        "kinds_seeds": kind_accuracy([s for a in seeds for s in a.sentences], classify),
    }


# --------------------------------------------------------------------------------------------- reporting


def _row(name: str, figures: dict[str, Any]) -> str:
    return (
        f"| {name} | {figures['threshold']:.2f} | {figures['claims']} of {figures['sentences']} "
        f"| {figures['precision']:.3f} | {figures['recall']:.3f} | {figures['f1']:.3f} |"
    )


def format_news_figures(results: dict[str, Any]) -> str:
    """The markdown `evaluate_extractor --news --write-docs` puts between the news-figures markers."""
    news, seeds, cv = results["news"], results["seeds"], results["cross_validated"]
    span = cv["thresholds"]
    lines = [
        f"Scorer `{results['scorer_version']}`. News set: {news['articles']} articles, {news['sentences']} "
        f"sentences, {news['positives']} check-worthy. Seeds: {seeds['articles']} reports, "
        f"{seeds['sentences']} sentences, {seeds['positives']} check-worthy. Rule: {results['rule']}.",
        "",
        "| set | threshold | claims | precision | recall | F1 |",
        "|---|---|---|---|---|---|",
        _row("news, debate-tuned threshold", news["at"]["debate"]),
        _row("news, news threshold (chose it: not a test)", news["at"]["news"]),
        f"| **news, cross-validated by article ({cv['folds']} folds; thresholds {span['min']:.2f}-"
        f"{span['max']:.2f}, median {span['median']:.2f})** | per fold "
        f"| {cv['claims']} of {news['sentences']} | **{cv['precision']:.3f}** | **{cv['recall']:.3f}** "
        f"| {cv['f1']:.3f} |",
        _row("seeds, debate-tuned threshold", seeds["at"]["debate"]),
        _row("**seeds, news threshold**", seeds["at"]["news"]),
        "",
        "| set | precision of the top third of each article's ranking "
        "| best precision at recall >= 0.9 (threshold) |",
        "|---|---|---|",
    ]
    for name, part in (("news", news), ("seeds", seeds)):
        best = part["at_recall_0.9"]
        lines.append(
            f"| {name} | {part['top_third_precision']:.3f} | {best['precision']:.3f} "
            f"(recall {best['recall']:.3f} at {best['threshold']:.3f}) |"
        )
    lines += [
        "",
        f"News threshold chosen on all {news['articles']} news articles: **{results['news_threshold']:.2f}**"
        + (
            f" (shipped: {results['shipped_news_threshold']:.2f})."
            if results["shipped_news_threshold"] is not None
            else "."
        ),
        "",
        "Claim types: `annotate.classify_claim` against the labelled type of each check-worthy sentence.",
        "",
        "| labelled type | news n | news accuracy | seeds n | seeds accuracy |",
        "|---|---|---|---|---|",
    ]
    kinds_news, kinds_seeds = results["kinds_news"], results["kinds_seeds"]
    for kind in ClaimKind:
        a = kinds_news["per_kind"].get(kind.value)
        b = kinds_seeds["per_kind"].get(kind.value)
        if a is None and b is None:
            continue
        lines.append(f"| {kind.value} | {_kind_cells(a)} | {_kind_cells(b)} |")
    lines.append(
        f"| **all** | {kinds_news['n']} | **{kinds_news['accuracy']:.2f}** | {kinds_seeds['n']} "
        f"| **{kinds_seeds['accuracy']:.2f}** |"
    )
    lines += [
        "",
        "Commonest confusions on news (labelled -> given): "
        + ", ".join(f"{k} {v}" for k, v in kinds_news["confusions"].items())
        + ".",
    ]
    return "\n".join(lines)


def _kind_cells(row: dict[str, Any] | None) -> str:
    return f"{row['n']} | {row['accuracy']:.2f}" if row else "0 | -"


def replace_news_figures_section(document: str, figures_markdown: str) -> str:
    """Replace what lies between the news-figures markers in `document`; the markers must be present."""
    pattern = re.compile(re.escape(NEWS_FIGURES_START) + r".*?" + re.escape(NEWS_FIGURES_END), re.DOTALL)
    if not pattern.search(document):
        raise ValueError(f"markers {NEWS_FIGURES_START} / {NEWS_FIGURES_END} not found")
    replacement = f"{NEWS_FIGURES_START}\n{figures_markdown.strip()}\n{NEWS_FIGURES_END}"
    return pattern.sub(lambda _m: replacement, document, count=1)
