"""Metrics and loaders of reviews.extraction.evaluation, checked against hand-computed examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviews.extraction import evaluation as ev


def test_f1_positive_hand_computed() -> None:
    # tp=2 (idx 0, 2), fp=1 (idx 3), fn=1 (idx 4): P=2/3, R=2/3, F1=2/3
    labels = [1, 0, 1, 0, 1, 0]
    preds = [1, 0, 1, 1, 0, 0]
    precision, recall, f1 = ev.precision_recall_f1(labels, preds)
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)
    assert f1 == pytest.approx(2 / 3)
    assert ev.f1_positive(labels, preds) == pytest.approx(2 / 3)


def test_f1_positive_asymmetric() -> None:
    # tp=1, fp=3, fn=0: P=0.25, R=1, F1=0.4
    assert ev.f1_positive([1, 0, 0, 0], [1, 1, 1, 1]) == pytest.approx(0.4)


def test_f1_degenerate_cases() -> None:
    assert ev.f1_positive([0, 0], [0, 0]) == 0.0
    assert ev.f1_positive([1, 1], [0, 0]) == 0.0
    assert ev.f1_positive([1, 1], [1, 1]) == 1.0
    with pytest.raises(ValueError, match="length"):
        ev.f1_positive([1], [1, 0])


def test_f1_at_threshold_is_inclusive() -> None:
    assert ev.f1_at([1, 0], [0.5, 0.49], 0.5) == 1.0
    assert ev.f1_at([1, 0], [0.5, 0.49], 0.51) == 0.0


def test_average_precision_hand_computed() -> None:
    # ranking by score: labels 1, 0, 1, 0, 1 -> precisions at the hits 1/1, 2/3, 3/5
    labels = [0, 1, 1, 0, 1]
    scores = [0.8, 0.9, 0.6, 0.3, 0.1]
    assert ev.average_precision(labels, scores) == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)


def test_average_precision_perfect_and_worst() -> None:
    assert ev.average_precision([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == pytest.approx(1.0)
    # both positives ranked last among 4: (1/3 + 2/4) / 2
    assert ev.average_precision([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == pytest.approx((1 / 3 + 2 / 4) / 2)
    assert ev.average_precision([0, 0], [0.5, 0.1]) == 0.0
    assert ev.average_precision([], []) == 0.0


def test_average_precision_ties_keep_input_order() -> None:
    assert ev.average_precision([1, 0], [0.5, 0.5]) == pytest.approx(1.0)
    assert ev.average_precision([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def test_mean_average_precision_averages_documents() -> None:
    docs = [([1, 0], [0.9, 0.1]), ([0, 1], [0.9, 0.1])]  # AP 1.0 and 0.5
    assert ev.mean_average_precision(docs) == pytest.approx(0.75)
    assert ev.mean_average_precision([]) == 0.0


def test_best_threshold_finds_separating_cut() -> None:
    labels = [1, 1, 0, 0]
    scores = [0.9, 0.7, 0.3, 0.2]
    threshold, f1 = ev.best_threshold(labels, scores)
    assert f1 == 1.0
    assert 0.3 < threshold <= 0.7


def test_loaders_read_all_formats(tmp_path: Path) -> None:
    cb = tmp_path / "cb.csv"
    cb.write_text(
        "Sentence_id,Text,Speaker,Speaker_title,Speaker_party,File_id,Length,Line_number,Sentiment,Verdict\n"
        '1,"Taxes rose 5%, he said.",A,,,1988.txt,5,1,0.0,1\n'
        "2,Hello.,A,,,1988.txt,1,2,0.0,-1\n"
        "3,I voted.,A,,,1988.txt,2,3,0.0,0\n",
        encoding="utf-8",
    )
    assert [(s.text, s.label) for s in ev.load_claimbuster(cb)] == [
        ("Taxes rose 5%, he said.", 1),
        ("Hello.", 0),
        ("I voted.", 0),
    ]
    ct24 = tmp_path / "ct24.tsv"
    ct24.write_text(
        'Sentence_id\tText\tclass_label\n1\t"Quoted, text"\tYes\n2\tPlain\tNo\n', encoding="utf-8"
    )
    assert [(s.text, s.label) for s in ev.load_ct24(ct24)] == [("Quoted, text", 1), ("Plain", 0)]
    docs = tmp_path / "ct19"
    docs.mkdir()
    (docs / "b.tsv").write_text("1\tX\tFirst.\t0\n2\tY\tSecond.\t1\n\n", encoding="utf-8")
    (docs / "a.tsv").write_text("1\tX\tOnly.\t0\n", encoding="utf-8")
    loaded = ev.load_ct2019(docs)
    assert list(loaded) == ["a", "b"]
    assert [(s.text, s.label) for s in loaded["b"]] == [("First.", 0), ("Second.", 1)]
    assert list(ev.load_ct2019(docs, ["b"])) == ["b"]
    with pytest.raises(FileNotFoundError):
        ev.load_ct2019(docs, ["missing"])


class _FakeScorer:
    """Scores by a keyword, so evaluate's plumbing can be checked without the model."""

    version = "fake-1"
    default_threshold = 0.5
    meta = {"heldout_ct2019_documents": ["d1"]}

    def score(self, texts, *, batch_size=64):
        return [0.9 if "percent" in t else 0.1 for t in texts]


def test_evaluate_with_fake_scorer(tmp_path: Path) -> None:
    (tmp_path / "claimbuster").mkdir()
    (tmp_path / "claimbuster" / "groundtruth.csv").write_text(
        "Sentence_id,Text,Speaker,Speaker_title,Speaker_party,File_id,Length,Line_number,Sentiment,Verdict\n"
        "1,Up 5 percent.,A,,,f,3,1,0,1\n2,Hi there.,A,,,f,2,2,0,-1\n",
        encoding="utf-8",
    )
    (tmp_path / "checkthat2024_en").mkdir()
    (tmp_path / "checkthat2024_en" / "CT24_checkworthy_english_dev-test.tsv").write_text(
        "Sentence_id\tText\tclass_label\n1\tDown 3 percent.\tYes\n2\tThanks.\tYes\n3\tOk.\tNo\n",
        encoding="utf-8",
    )
    ct19 = tmp_path / "checkthat2019_task1" / "training"
    ct19.mkdir(parents=True)
    (ct19 / "d1.tsv").write_text("1\tA\tHello.\t0\n2\tA\t7 percent more.\t1\n", encoding="utf-8")
    (ct19 / "d2.tsv").write_text("1\tA\tNot held out.\t1\n", encoding="utf-8")
    result = ev.evaluate(_FakeScorer(), tmp_path)
    assert result["claimbuster_groundtruth"]["f1"] == 1.0
    assert result["ct24_dev_test"]["f1"] == pytest.approx(2 / 3, abs=1e-4)  # P=1, R=1/2
    assert result["ct2019_heldout"]["documents"] == 1
    assert result["ct2019_heldout"]["map"] == 1.0
    markdown = ev.format_figures(result)
    assert "fake-1" in markdown
    assert "MAP" in markdown
    assert "Development split" not in markdown
    # With the model's meta, the figures end with the development split that chose the threshold.
    dev = {"sentences": 4585, "positives": 1084, "dev_best_thr": 0.34, "dev_f1@best": 0.7071}
    meta = {"development_figures": {"onnx_int8": {**dev, "dev_f1@0.5": 0.69, "dev_ap": 0.7814}}}
    rows = ev.format_figures(result, meta).splitlines()
    assert "| onnx_int8 | 4585 (1084) | 0.34 | 0.707 | 0.690 | 0.781 |" in rows


def test_replace_figures_section() -> None:
    doc = f"# T\n\n{ev.FIGURES_START}\nold\n{ev.FIGURES_END}\n\nrest\n"
    new = ev.replace_figures_section(doc, "new table")
    assert "old" not in new
    assert f"{ev.FIGURES_START}\nnew table\n{ev.FIGURES_END}" in new
    assert new.endswith("rest\n")
    with pytest.raises(ValueError, match="markers"):
        ev.replace_figures_section("no markers", "x")
