"""Measure a check-worthiness scorer on the public datasets in `shared/datasets`.

Pure functions (stdlib + numpy, no ORM): dataset loaders, the positive-class F1 used by ClaimBuster and
CheckThat! 2024, the per-document average precision / MAP used by CheckThat! 2019, and `evaluate`, which
puts them together for a scorer. `training/train_scorer.py` and the `evaluate_extractor` command both use
this module, so the figures in `docs/extraction.md` and in `meta.json` are computed the same way.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

REPO_DIR = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(__file__).resolve().parent / "model"

CLAIMBUSTER_TRAIN = Path("claimbuster/crowdsourced.csv")
CLAIMBUSTER_GROUNDTRUTH = Path("claimbuster/groundtruth.csv")
CT24_DEV_TEST = Path("checkthat2024_en/CT24_checkworthy_english_dev-test.tsv")
CT2019_DIR = Path("checkthat2019_task1/training")

FIGURES_START = "<!-- figures:start -->"
FIGURES_END = "<!-- figures:end -->"


class SupportsScore(Protocol):
    version: str
    default_threshold: float

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    text: str
    label: int  # 1 = check-worthy (positive class), 0 = not
    group: str = ""  # ClaimBuster debate file, CT2019 document name, "" otherwise


# --------------------------------------------------------------------------------------------- datasets


def default_datasets_dir() -> Path:
    """`$FACTCHECK_DATASETS_DIR`, else `<repo>/../shared/datasets`."""
    env = os.environ.get("FACTCHECK_DATASETS_DIR")
    return Path(env) if env else REPO_DIR.parent / "shared" / "datasets"


def load_claimbuster(path: Path) -> list[LabelledSentence]:
    """ClaimBuster CSV (crowdsourced.csv or groundtruth.csv): Verdict 1 is positive, 0 and -1 negative."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            LabelledSentence(row["Text"], int(int(row["Verdict"]) == 1), row.get("File_id") or "")
            for row in csv.DictReader(fh)
        ]


def load_ct24(path: Path) -> list[LabelledSentence]:
    """CheckThat! 2024 task 1 TSV (`Sentence_id, Text, class_label` Yes/No); some texts are quoted."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            LabelledSentence(row["Text"], int(row["class_label"].strip().lower() == "yes"))
            for row in csv.DictReader(fh, delimiter="\t")
        ]


def load_ct2019_document(path: Path) -> list[LabelledSentence]:
    """One CheckThat! 2019 task 1 transcript (`line_number, speaker, text, label`, no header), in order."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 4:
                raise ValueError(f"{path.name}: malformed line {line!r}")
            out.append(LabelledSentence("\t".join(parts[2:-1]), int(parts[-1].strip() == "1"), path.stem))
    return out


def load_ct2019(directory: Path, names: Iterable[str] | None = None) -> dict[str, list[LabelledSentence]]:
    """CT2019 documents by name (file stem), sorted by name; `names` restricts to those documents."""
    wanted = set(names) if names is not None else None
    docs = {}
    for path in sorted(directory.glob("*.tsv")):
        if wanted is None or path.stem in wanted:
            docs[path.stem] = load_ct2019_document(path)
    if wanted is not None and wanted - set(docs):
        raise FileNotFoundError(f"CT2019 documents not found in {directory}: {sorted(wanted - set(docs))}")
    return docs


# --------------------------------------------------------------------------------------------- metrics


def precision_recall_f1(labels: Sequence[int], predictions: Sequence[int]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class (1); 0.0 where undefined."""
    if len(labels) != len(predictions):
        raise ValueError("labels and predictions differ in length")
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(predictions, dtype=bool)
    tp = int(np.sum(y & p))
    fp = int(np.sum(~y & p))
    fn = int(np.sum(y & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def f1_positive(labels: Sequence[int], predictions: Sequence[int]) -> float:
    """F1 of the positive class, the CheckThat! 2024 / ClaimBuster measure."""
    return precision_recall_f1(labels, predictions)[2]


def f1_at(labels: Sequence[int], scores: Sequence[float], threshold: float) -> float:
    """F1 of the positive class when sentences scoring `>= threshold` are predicted positive."""
    return f1_positive(labels, [int(s >= threshold) for s in scores])


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Average precision of the ranking by descending score (ties keep input order), as CheckThat! 2019.

    The mean, over the positives, of the precision at each positive's rank; 0.0 when there is no positive.
    """
    if len(labels) != len(scores):
        raise ValueError("labels and scores differ in length")
    if not len(labels):
        return 0.0
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ranked = np.asarray(labels, dtype=np.int64)[order]
    n_pos = int(ranked.sum())
    if n_pos == 0:
        return 0.0
    hits = np.cumsum(ranked)
    ranks = np.arange(1, len(ranked) + 1)
    return float(np.sum((hits / ranks)[ranked == 1]) / n_pos)


def mean_average_precision(documents: Iterable[tuple[Sequence[int], Sequence[float]]]) -> float:
    """MAP: `average_precision` of each document's (labels, scores), averaged over documents."""
    aps = [average_precision(labels, scores) for labels, scores in documents]
    return float(np.mean(aps)) if aps else 0.0


def best_threshold(
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    grid: Sequence[float] | None = None,
    smooth: float = 0.0,
) -> tuple[float, float]:
    """The threshold on `grid` (default 0.05..0.95 step 0.01) with the best positive-class F1.

    With `smooth` > 0, each threshold is judged by its mean F1 over `[t - smooth, t + smooth]`, which picks
    the middle of a good plateau instead of a lucky spike on a small dev set. Returns (threshold, F1 at it).
    """
    points = [round(float(x), 4) for x in (grid if grid is not None else np.arange(0.05, 0.951, 0.01))]
    f1s = np.array([f1_at(labels, scores, t) for t in points])
    if smooth > 0:
        judged = np.array([f1s[[abs(u - t) <= smooth + 1e-9 for u in points]].mean() for t in points])
    else:
        judged = f1s
    i = int(np.argmax(judged))
    return float(points[i]), float(f1s[i])


# --------------------------------------------------------------------------------------------- evaluate


def read_meta(model_dir: Path = MODEL_DIR) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    return meta


def heldout_ct2019_documents(scorer: SupportsScore | None = None) -> list[str]:
    """The CT2019 documents the shipped model never trained on (from the scorer's or the shipped meta)."""
    meta = getattr(scorer, "meta", None)
    if not isinstance(meta, dict):
        meta = read_meta()
    return list(meta["heldout_ct2019_documents"])


def score_f1(scorer: SupportsScore, data: Sequence[LabelledSentence], threshold: float) -> dict[str, float]:
    labels = [s.label for s in data]
    scores = scorer.score([s.text for s in data])
    precision, recall, f1 = precision_recall_f1(labels, [int(x >= threshold) for x in scores])
    return {
        "n": len(data),
        "positives": sum(labels),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "f1_at_0.5": round(f1_at(labels, scores, 0.5), 4),
        "average_precision": round(average_precision(labels, scores), 4),
    }


def score_map(scorer: SupportsScore, documents: dict[str, list[LabelledSentence]]) -> dict[str, Any]:
    per_doc = {}
    for name, doc in documents.items():
        per_doc[name] = round(
            average_precision([s.label for s in doc], scorer.score([s.text for s in doc])), 4
        )
    return {
        "documents": len(documents),
        "sentences": sum(len(d) for d in documents.values()),
        "positives": sum(s.label for d in documents.values() for s in d),
        "map": round(float(np.mean(list(per_doc.values()))) if per_doc else 0.0, 4),
        "average_precision_by_document": per_doc,
    }


def evaluate(
    scorer: SupportsScore,
    datasets_dir: Path | None = None,
    *,
    threshold: float | None = None,
    heldout_documents: Sequence[str] | None = None,
) -> dict[str, Any]:
    """F1 (at the scorer's default threshold unless given) on ClaimBuster groundtruth and CT24 dev-test,
    and MAP on the held-out CT2019 documents recorded in the model's meta.json."""
    root = datasets_dir or default_datasets_dir()
    cut = scorer.default_threshold if threshold is None else threshold
    docs = list(heldout_documents) if heldout_documents is not None else heldout_ct2019_documents(scorer)
    return {
        "scorer_version": scorer.version,
        "threshold": cut,
        "claimbuster_groundtruth": score_f1(scorer, load_claimbuster(root / CLAIMBUSTER_GROUNDTRUTH), cut),
        "ct24_dev_test": score_f1(scorer, load_ct24(root / CT24_DEV_TEST), cut),
        "ct2019_heldout": score_map(scorer, load_ct2019(root / CT2019_DIR, docs)),
    }


# --------------------------------------------------------------------------------------------- reporting


def format_figures(results: dict[str, Any], meta: dict[str, Any] | None = None) -> str:
    """A markdown table of `evaluate`'s results (what `evaluate_extractor --write-docs` puts in the docs),
    followed, when the model's `meta` is given, by its development-split figures recorded at training time."""
    cb = results["claimbuster_groundtruth"]
    ct = results["ct24_dev_test"]
    mp = results["ct2019_heldout"]
    lines = [
        f"Scorer `{results['scorer_version']}`, threshold {results['threshold']:.2f}.",
        "",
        "| dataset | n (positives) | measure | value |",
        "|---|---|---|---|",
    ]
    for name, r in (("ClaimBuster groundtruth", cb), ("CheckThat! 2024 EN dev-test", ct)):
        lines.append(
            f"| {name} | {r['n']} ({r['positives']}) | F1 positive class "
            f"(P {r['precision']:.3f} / R {r['recall']:.3f}) | **{r['f1']:.3f}** |"
        )
        lines.append(f"| {name} | {r['n']} ({r['positives']}) | F1 at threshold 0.5 | {r['f1_at_0.5']:.3f} |")
        lines.append(
            f"| {name} | {r['n']} ({r['positives']}) | average precision | {r['average_precision']:.3f} |"
        )
    lines.append(
        f"| CheckThat! 2019 held-out documents ({mp['documents']}) | {mp['sentences']} ({mp['positives']}) "
        f"| MAP | **{mp['map']:.3f}** |"
    )
    lines.append("")
    lines.append(
        "Average precision by held-out CT2019 document: "
        + ", ".join(f"`{k}` {v:.3f}" for k, v in mp["average_precision_by_document"].items())
        + "."
    )
    if meta and meta.get("development_figures"):
        lines += ["", *format_development_table(meta)]
    return "\n".join(lines)


def format_development_table(meta: dict[str, Any]) -> list[str]:
    """Rows of what chose the checkpoint and the threshold: the fp32 ONNX export and the shipped int8 model
    on the development split, from meta.json's `development_figures` (recorded by training)."""
    lines = [
        "Development split (whole ClaimBuster debates carved from the training data, `development_rule` in "
        "meta.json), without and with int8 quantization, each sentence scored alone; recorded by "
        "`training/train_scorer.py`, where the int8 row's threshold became the model's `threshold`:",
        "",
        "| model | sentences (positives) | smoothed-best threshold | F1 at it | F1 at 0.5 | AP |",
        "|---|---|---|---|---|---|",
    ]
    for name, fig in meta["development_figures"].items():
        lines.append(
            f"| {name} | {fig['sentences']} ({fig['positives']}) | {fig['dev_best_thr']:.2f} "
            f"| {fig['dev_f1@best']:.3f} | {fig['dev_f1@0.5']:.3f} | {fig['dev_ap']:.3f} |"
        )
    return lines


def replace_figures_section(document: str, figures_markdown: str) -> str:
    """Replace what lies between the figures markers in `document`; the markers must be present."""
    pattern = re.compile(re.escape(FIGURES_START) + r".*?" + re.escape(FIGURES_END), re.DOTALL)
    if not pattern.search(document):
        raise ValueError(f"markers {FIGURES_START} / {FIGURES_END} not found")
    replacement = f"{FIGURES_START}\n{figures_markdown.strip()}\n{FIGURES_END}"
    return pattern.sub(lambda _m: replacement, document, count=1)
