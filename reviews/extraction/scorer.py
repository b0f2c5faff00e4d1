"""The shipped check-worthiness scorer: a fine-tuned MiniLM exported to int8 ONNX.

Runtime needs only numpy and onnxruntime (the WordPiece tokenizer is `wordpiece.py`); everything is read
from `reviews/extraction/model/` (model.onnx, tokenizer.json, meta.json), nothing is downloaded.
`training/train_scorer.py` produces those files; `docs/extraction.md` says how the model was trained and how
well it does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort
from onnxruntime.capi.onnxruntime_pybind11_state import Fail as OrtFail
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidGraph as OrtInvalidGraph
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidProtobuf as OrtInvalidProtobuf

from reviews.extraction.wordpiece import WordPieceTokenizer

MODEL_DIR = Path(__file__).resolve().parent / "model"
THREADS_ENV = "FACTCHECK_SCORER_THREADS"


class SupportsWrite(Protocol):
    def write(self, s: str, /) -> Any: ...


class SentenceScorer(Protocol):
    version: str
    default_threshold: float
    news_threshold: float

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]: ...


def threads_from_env(name: str = THREADS_ENV) -> int:
    """The thread count the environment variable `name` sets (default 1); anything but a whole number
    of at least 1 is refused."""
    raw = os.environ.get(name, "1").strip() or "1"
    try:
        threads = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from exc
    if threads < 1:
        raise ValueError(f"{name} must be at least 1, not {threads}")
    return threads


def onnx_cpu_session(model_path: Path, *, threads: int) -> ort.InferenceSession:
    """An onnxruntime session on the CPU with `threads` intra-op threads, sequential execution and every
    graph optimisation: the one way the project's ONNX models (this scorer, the claim embedder) are loaded."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])


class ModelFileError(RuntimeError):
    """A file of the model folder is missing, unreadable or not the one meta.json describes."""


def _read_meta(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the scorer's {path}: {exc!r}") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"cannot read the scorer's {path}: not a JSON object")
    missing = [key for key in ("version", "threshold", "max_len") if key not in meta]
    if missing:
        raise ModelFileError(f"cannot read the scorer's {path}: no {', '.join(missing)}")
    return meta


def _check_model_file(path: Path, expected_sha256: str | None) -> None:
    """Refuse a model file that is not the one meta.json names: a truncated copy or a stray file would
    otherwise load, or fail deep inside onnxruntime, or score garbage."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelFileError(f"cannot read the scorer's model {path}: {exc.strerror or exc}") from None
    if expected_sha256 and digest != expected_sha256:
        raise ModelFileError(
            f"the scorer's model {path} is corrupt or not the one meta.json describes: sha256 "
            f"{digest[:12]}... where meta.json's model_sha256 is {expected_sha256[:12]}..."
        )


class Scorer:
    """Scores sentences' check-worthiness in [0, 1]; a sentence scoring at or above a threshold is a claim.

    Two thresholds, from meta.json: `news_threshold`, chosen on labelled news articles, is the default for
    articles (ingest, `extract_article`); `default_threshold`, tuned on debate sentences, is the default for
    sentence files (`score_sentences`) and the debate figures (`evaluate_extractor`).

    One instance may be used from several threads at once: the ONNX Runtime session and the tokenizer are
    only read after `__init__`.
    """

    version: str
    default_threshold: float
    news_threshold: float

    def __init__(self, model_dir: Path | str = MODEL_DIR, *, threads: int | None = None) -> None:
        model_dir = Path(model_dir)
        self.meta: dict[str, Any] = _read_meta(model_dir)
        self.version = str(self.meta["version"])
        self.default_threshold = float(self.meta["threshold"])
        self.news_threshold = float(self.meta.get("news_threshold", self.default_threshold))
        self.max_len = int(self.meta["max_len"])

        self._tokenizer = WordPieceTokenizer(model_dir / "tokenizer.json", max_len=self.max_len)
        self._pad_id = self._tokenizer.vocab.get(str(self.meta.get("pad_token", "[PAD]")), 0)

        model_path = model_dir / "model.onnx"
        threads = threads if threads is not None else threads_from_env()
        _check_model_file(model_path, self.meta.get("model_sha256"))
        try:
            self._session = onnx_cpu_session(model_path, threads=threads)
        except (OrtFail, OrtInvalidGraph, OrtInvalidProtobuf) as exc:
            raise ModelFileError(f"cannot load the scorer's model {model_path}: {exc}") from None
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._output_name = self._session.get_outputs()[0].name

    def score(self, texts: Sequence[str], *, batch_size: int = 1) -> list[float]:
        """Check-worthiness of each text, in input order. Blank texts score 0.0.

        By default each text is scored on its own, so a sentence's score never depends on which sentences
        it was scored with: the int8 model quantizes activations per call, over the whole batch (padding
        included), so in a batch of several a score moves by up to a few hundredths with its neighbours.
        On one core that costs little (a batch of 1 needs no padding): `bench/extract.py` shows both.
        `batch_size > 1` (texts sorted by length, each batch padded to its own width) is for callers that
        want the last bit of speed and accept that.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        texts = list(texts)
        out = np.zeros(len(texts), dtype=np.float64)
        live = [i for i, t in enumerate(texts) if t and not t.isspace()]
        if not live:
            return out.tolist()
        ids = self._tokenizer.encode_batch([texts[i] for i in live])
        with_types = "token_type_ids" in self._input_names
        if batch_size == 1:
            for k, row_ids in enumerate(ids):
                input_ids = np.array([row_ids], dtype=np.int64)
                feeds = {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)}
                if with_types:
                    feeds["token_type_ids"] = np.zeros_like(input_ids)
                out[live[k]] = float(
                    np.asarray(self._session.run([self._output_name], feeds)[0]).reshape(-1)[0]
                )
            return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0).tolist()
        # Sort by length so each batch pads to nearly its own length (dynamic padding).
        order = sorted(range(len(live)), key=lambda k: len(ids[k]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(ids[k]) for k in chunk)
            input_ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, k in enumerate(chunk):
                input_ids[row, : len(ids[k])] = ids[k]
                mask[row, : len(ids[k])] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            if with_types:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            probs = np.asarray(self._session.run([self._output_name], feeds)[0], dtype=np.float64).reshape(-1)
            for row, k in enumerate(chunk):
                out[live[k]] = probs[row]
        return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0).tolist()


@functools.cache
def get_scorer() -> Scorer:
    """The process-wide scorer loaded from `reviews/extraction/model/`."""
    return Scorer(MODEL_DIR)


# ------------------------------------------------------------------------------------ id<TAB>text files


class InputFormatError(ValueError):
    """A line of an `id<TAB>text` file has no tab."""

    def __init__(self, line_number: int, line: str) -> None:
        self.line_number = line_number
        shown = line if len(line) <= 60 else line[:57] + "..."
        super().__init__(f"line {line_number}: expected 'id<TAB>text', found no tab in {shown!r}")


def iter_id_text(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(id, text) of each non-blank `id<TAB>text` line; CRLF and a final newline are fine.

    Raises `InputFormatError` (naming the 1-based line number) at the first non-blank line without a tab.
    """
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        if "\t" not in line:
            raise InputFormatError(number, line)
        ident, text = line.split("\t", 1)
        yield ident, text


def score_id_text(
    lines: Iterable[str],
    out: SupportsWrite,
    scorer: SentenceScorer,
    threshold: float,
    *,
    chunk_size: int = 512,
    batch_size: int = 1,
) -> int:
    """Stream `id<TAB>text` lines to `id<TAB>score<TAB>label` lines (score to 6 decimals, label 1 when
    `score >= threshold`), `chunk_size` lines in memory at a time. Returns how many lines were scored."""
    count = 0
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        scores = scorer.score([text for _, text in pending], batch_size=batch_size)
        out.write(
            "".join(
                f"{ident}\t{score:.6f}\t{int(score >= threshold)}\n"
                for (ident, _), score in zip(pending, scores, strict=True)
            )
        )
        pending.clear()

    for item in iter_id_text(lines):
        pending.append(item)
        count += 1
        if len(pending) >= chunk_size:
            flush()
    if pending:
        flush()
    return count
