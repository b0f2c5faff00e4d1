"""The shipped check-worthiness scorer: a fine-tuned MiniLM exported to int8 ONNX.

Runtime needs only numpy, onnxruntime and tokenizers; everything is read from `reviews/extraction/model/`
(model.onnx, tokenizer.json, meta.json), nothing is downloaded. `training/train_scorer.py` produces those
files; `docs/extraction.md` says how the model was trained and how well it does.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parent / "model"
THREADS_ENV = "FACTCHECK_SCORER_THREADS"


class SupportsWrite(Protocol):
    def write(self, s: str, /) -> Any: ...


class SentenceScorer(Protocol):
    version: str
    default_threshold: float

    def score(self, texts: Sequence[str], *, batch_size: int = 64) -> list[float]: ...


def _threads_from_env() -> int:
    raw = os.environ.get(THREADS_ENV, "1").strip() or "1"
    try:
        threads = int(raw)
    except ValueError as exc:
        raise ValueError(f"{THREADS_ENV} must be a whole number, not {raw!r}") from exc
    if threads < 1:
        raise ValueError(f"{THREADS_ENV} must be at least 1, not {threads}")
    return threads


class Scorer:
    """Scores sentences' check-worthiness in [0, 1]; `score >= default_threshold` makes a claim.

    One instance may be used from several threads at once: the ONNX Runtime session and the tokenizer are
    only read after `__init__`.
    """

    version: str
    default_threshold: float

    def __init__(self, model_dir: Path | str = MODEL_DIR, *, threads: int | None = None) -> None:
        model_dir = Path(model_dir)
        self.meta: dict[str, Any] = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
        self.version = str(self.meta["version"])
        self.default_threshold = float(self.meta["threshold"])
        self.max_len = int(self.meta["max_len"])

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_len)
        pad_id = self._tokenizer.token_to_id(str(self.meta.get("pad_token", "[PAD]")))
        self._pad_id = 0 if pad_id is None else pad_id

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads if threads is not None else _threads_from_env()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_dir / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._output_name = self._session.get_outputs()[0].name

    def score(self, texts: Sequence[str], *, batch_size: int = 32) -> list[float]:
        """Check-worthiness of each text, in input order. Blank texts score 0.0."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        texts = list(texts)
        out = np.zeros(len(texts), dtype=np.float64)
        live = [i for i, t in enumerate(texts) if t and not t.isspace()]
        if not live:
            return out.tolist()
        encodings = self._tokenizer.encode_batch([texts[i] for i in live], add_special_tokens=True)
        ids = [e.ids for e in encodings]
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
            if "token_type_ids" in self._input_names:
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
    batch_size: int = 64,
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
