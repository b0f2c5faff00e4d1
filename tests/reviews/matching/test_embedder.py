"""The shipped sentence-embedding model: loads offline, reads with the scorer's vocabulary, gives unit
vectors that put paraphrases near and unrelated sentences far, and survives bad input."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from reviews.matching.embedder import DIMENSIONS, MODEL_DIR, TOKENIZER_JSON, Embedder, embed, vocab_sha256


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_model_files_match_meta_and_stay_small() -> None:
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    model = MODEL_DIR / "model.onnx"
    assert hashlib.sha256(model.read_bytes()).hexdigest() == meta["model_sha256"]
    assert model.stat().st_size <= 25 * 1024 * 1024
    assert meta["dimensions"] == DIMENSIONS


def test_the_shared_tokenizer_holds_the_vocabulary_the_model_was_exported_with() -> None:
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    assert vocab_sha256(TOKENIZER_JSON) == meta["vocab_sha256"]


def test_unit_vectors_in_input_order(embedder: Embedder) -> None:
    texts = ["Iraq signed an arms deal with Russia.", "The weather was lovely in Paris.", "Hello."]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(embedder.embed(texts[1:2])[0], vectors[1], atol=1e-6)


def test_paraphrases_are_nearer_than_unrelated_sentences(embedder: Embedder) -> None:
    a, b, c = embedder.embed(
        [
            "Iraq signed a $4.2 billion arms deal with Russia in 2013.",
            "In 2013 Baghdad agreed to buy 4.2 billion dollars of Russian weapons.",
            "Tesla delivered 1.31 million vehicles in 2022.",
        ]
    )
    assert float(a @ b) > 0.6
    assert float(a @ c) < 0.3


def test_blank_texts_are_zero_rows_and_huge_texts_are_cut(embedder: Embedder) -> None:
    vectors = embedder.embed(["", "   ", "Russia " * 100_000, "\x00\ufffd", "\u200b\u200b", "... -- !"])
    assert not vectors[0].any()
    assert not vectors[1].any()
    assert not vectors[3].any()
    assert not vectors[4].any(), "zero-width spaces are blank"
    assert not vectors[5].any(), "punctuation alone is blank"
    assert np.linalg.norm(vectors[2]) == pytest.approx(1.0, abs=1e-5)
    assert np.isfinite(vectors).all()
    assert embedder.embed([]).shape == (0, DIMENSIONS)


def test_batches_give_nearly_the_same_vectors(embedder: Embedder) -> None:
    texts = ["Russia signed a treaty of friendship with Iraq in 1972.", "Prices rose.", "It rained all day."]
    one = embedder.embed(texts)
    batched = embedder.embed(texts, batch_size=3)
    assert np.min(np.sum(one * batched, axis=1)) > 0.97
    with pytest.raises(ValueError, match="batch_size"):
        embedder.embed(texts, batch_size=0)


def test_module_level_embed_uses_the_shared_model() -> None:
    assert embed(["Russia and Iraq."]).shape == (1, DIMENSIONS)
