# ruff: noqa: RUF001  (the tricky texts are full of look-alike characters on purpose)
"""The plain-Python WordPiece tokenizer gives the model the same ids as Hugging Face `tokenizers` (which the
model was trained with, and which the dev and train extras install to check this)."""

from __future__ import annotations

import unicodedata

import pytest
import tokenizers

from reviews.extraction.evaluation import default_datasets_dir, load_claimbuster, load_ct24, load_ct2019
from reviews.extraction.scorer import MODEL_DIR
from reviews.extraction.wordpiece import WordPieceTokenizer

MAX_LEN = 64

TRICKY = [
    "",
    "   ",
    "Unemployment fell to 3.5% in 2019.",
    "The U.S. GDP grew $4.2bn (≈ €3.9bn) — a record!",
    "Café naïve résumé Ångström façade",
    "ΟΔΟΣ ΑΘΗΝΩΝ: Σ at the end ΣΣ",
    "İstanbul DİYARBAKIR ß ẞ ﬁnance",
    "中国的GDP增长了6.1%，日本は2.0%。",
    "tab\tnew\nline\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\ufffd\u200b\u200d\u00ad\ue000 zero-width",
    "e-mail: someone@example.org, path_with_underscores, a+b=c, <tag>, ^caret^, |pipe|, ~tilde~",
    "“Smart quotes” and ‘single’ — dashes – and … ellipsis • bullets",
    "emoji 😀👍🏽🇺🇸 and symbols © ® ™ ° ± × ÷",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "x" * 101 + " " + "y" * 100,
    " ".join(["word"] * 200),
    " ".join(f"w{n}" for n in range(100)),
]


@pytest.fixture(scope="module")
def ours() -> WordPieceTokenizer:
    return WordPieceTokenizer(MODEL_DIR / "tokenizer.json", max_len=MAX_LEN)


@pytest.fixture(scope="module")
def reference() -> tokenizers.Tokenizer:
    tok = tokenizers.Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_LEN)
    return tok


@pytest.mark.parametrize("text", TRICKY)
def test_same_ids_as_tokenizers_on_tricky_text(
    ours: WordPieceTokenizer, reference: tokenizers.Tokenizer, text: str
) -> None:
    assert ours.encode(text) == reference.encode(text).ids


def test_truncates_to_max_len_with_cls_and_sep(ours: WordPieceTokenizer) -> None:
    ids = ours.encode(" ".join(["claim"] * 500))
    assert len(ids) == MAX_LEN
    assert ids[0] == ours.cls_id
    assert ids[-1] == ours.sep_id


def test_unknown_and_overlong_words_are_one_unk(ours: WordPieceTokenizer) -> None:
    assert ours.encode("z" * 101) == [ours.cls_id, ours.unk_id, ours.sep_id]


def test_same_ids_on_every_sentence_of_the_datasets(
    ours: WordPieceTokenizer, reference: tokenizers.Tokenizer
) -> None:
    datasets = default_datasets_dir()
    if not datasets.is_dir():
        pytest.fail(f"the labelled datasets are missing at {datasets} (set FACTCHECK_DATASETS_DIR)")
    sentences = [
        *load_claimbuster(datasets / "claimbuster" / "crowdsourced.csv"),
        *load_claimbuster(datasets / "claimbuster" / "groundtruth.csv"),
        *load_ct24(datasets / "checkthat2024_en" / "CT24_checkworthy_english_dev-test.tsv"),
    ]
    for document in load_ct2019(datasets / "checkthat2019_task1" / "training").values():
        sentences += document
    texts = [s.text for s in sentences]
    assert len(texts) > 10_000
    different = [t for t in texts if ours.encode(t) != reference.encode(t).ids]
    assert different == []


def test_every_code_point_but_recent_unicode_additions(
    ours: WordPieceTokenizer, reference: tokenizers.Tokenizer
) -> None:
    """Each character alone and inside words. The two libraries carry different Unicode versions, so a few
    hundred characters added in recent versions are classified
    differently; none of them may be Latin, Greek, Cyrillic, general punctuation, currency, CJK or the
    emoticons."""
    # The whole Basic Multilingual Plane and the emoji blocks; a sample of the rest (CJK extensions, rare
    # scripts), to keep the test to seconds.
    code_points = [*range(0xD800), *range(0xE000, 0x10000), *range(0x1F000, 0x1FB00)]
    code_points += range(0x10000, 0x110000, 37)
    different = []
    for cp in code_points:
        ch = chr(cp)
        text = f"a{ch}b Caf{ch} {ch}"
        if ours.encode(text) != reference.encode(text).ids:
            different.append(cp)
    common_scripts = [
        cp
        for cp in different
        if cp < 0x0530 or 0x2000 <= cp < 0x2150 or 0x4E00 <= cp <= 0x9FFF or 0x1F600 <= cp < 0x1F650
    ]
    assert common_scripts == [], [f"U+{cp:04X} {unicodedata.name(chr(cp), '?')}" for cp in common_scripts]
    assert len(different) < 600
