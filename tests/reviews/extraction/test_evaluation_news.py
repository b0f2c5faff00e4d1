"""reviews.extraction.evaluation_news: the news measures on hand-computed examples, the threshold rule and
its cross-validation by article, and the labelled set's format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviews.extraction import evaluation_news as en
from reviews.extraction.types import ClaimKind

TINY = Path(__file__).resolve().parent / "data" / "news_tiny.json"


class _KeywordScorer:
    """Scores by keywords, so the plumbing is checked without the model: figures 0.9, "said" 0.6, else 0.2."""

    version = "fake-news-1"
    default_threshold = 0.3

    def score(self, texts, *, batch_size=1):
        return [0.9 if any(c.isdigit() for c in t) else 0.6 if "said" in t else 0.2 for t in texts]


def test_choose_threshold_is_the_highest_that_keeps_the_recall() -> None:
    labels = [1, 1, 1, 1, 0, 0]
    scores = [0.9, 0.8, 0.7, 0.35, 0.5, 0.1]
    # recall >= 0.75 keeps three of four positives: the highest such grid point is 0.70
    assert en.choose_threshold(labels, scores, min_recall=0.75) == pytest.approx(0.70)
    # recall 1.0 must keep the 0.35 positive
    assert en.choose_threshold(labels, scores, min_recall=1.0) == pytest.approx(0.35)
    # no positive: the lowest grid point
    assert en.choose_threshold([0, 0], [0.4, 0.6]) == pytest.approx(0.05)


def test_precision_at_recall_takes_the_best_cut() -> None:
    labels = [1, 0, 1, 0, 1]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    best = en.precision_at_recall(labels, scores, 0.6)  # two of three positives: cut at 0.7, P = 2/3
    assert best == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3), "threshold": 0.7}
    assert en.precision_at_recall(labels, scores, 1.0)["precision"] == pytest.approx(3 / 5)


def test_top_third_is_pooled_over_articles_and_rounds_up() -> None:
    # 3 sentences -> top 1; 4 sentences -> top 2 (ceil 4/3); hits: 1 + 1 of 3 kept
    articles = [([1, 0, 0], [0.9, 0.1, 0.2]), ([0, 1, 0, 1], [0.8, 0.7, 0.1, 0.2])]
    assert en.top_share_precision(articles) == pytest.approx(2 / 3)


def test_cross_validation_chooses_each_threshold_without_its_article() -> None:
    # article 0's positive scores 0.2: kept by the threshold chosen with it, not by the one chosen without it
    articles = [([1, 0], [0.2, 0.1]), ([1, 0], [0.8, 0.3]), ([1, 0], [0.7, 0.4])]
    cv = en.cross_validate(articles, min_recall=1.0)
    assert cv["folds"] == 3
    assert cv["thresholds"]["max"] == pytest.approx(0.7)  # chosen on articles 1 and 2
    assert cv["recall"] == pytest.approx(2 / 3)  # article 0's positive is missed
    in_sample = en.choose_threshold([1, 0, 1, 0, 1, 0], [0.2, 0.1, 0.8, 0.3, 0.7, 0.4], min_recall=1.0)
    assert in_sample == pytest.approx(0.2)
    with pytest.raises(ValueError, match="at least two articles"):
        en.cross_validate(articles[:1])


def test_kind_accuracy_counts_each_labelled_type() -> None:
    sentences = [
        en.NewsSentence("Sales rose 5 percent.", 1, "statistic"),
        en.NewsSentence("The mayor said so.", 1, "quote"),
        en.NewsSentence("Exports rose 2 percent, he said.", 1, "quote"),
        en.NewsSentence("Nice.", 0, None),
    ]
    result = en.kind_accuracy(
        sentences, lambda text: ClaimKind.STATISTIC if "percent" in text else ClaimKind.QUOTE
    )
    assert result["n"] == 3
    assert result["per_kind"]["statistic"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert result["per_kind"]["quote"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert result["confusions"] == {"quote -> statistic": 1}


def test_evaluate_news_on_the_tiny_set() -> None:
    results = en.evaluate_news(_KeywordScorer(), TINY)
    news = results["news"]
    assert (news["articles"], news["sentences"], news["positives"]) == (3, 9, 5)
    # at 0.3: the three figures and the "said" sentence are claims; "Acme bought Widgetco" (0.2) is missed
    assert news["at"]["debate"]["claims"] == 4
    assert news["at"]["debate"]["precision"] == pytest.approx(1.0)
    assert news["at"]["debate"]["recall"] == pytest.approx(0.8)
    # recall >= 0.9 needs all five positives, so the 0.2 one: the highest such grid point is 0.20
    assert results["news_threshold"] == pytest.approx(0.20)
    assert news["at"]["news"]["claims"] == 9
    assert results["cross_validated"]["folds"] == 3
    # the seeds choose nothing: at 0.20 their "Nobody knows." (0.2) is a claim too
    assert results["seeds"]["sentences"] == 2
    assert results["seeds"]["at"]["news"]["precision"] == pytest.approx(0.5)
    markdown = en.format_news_figures(results)
    assert "fake-news-1" in markdown
    assert "cross-validated by article (3 folds" in markdown


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"text": "x", "label": 2}, "a sentence 0: label must be 0 or 1, not 2"),
        ({"text": "x", "label": 1}, "a sentence 0: a check-worthy sentence needs a kind of"),
        (
            {"text": "x", "label": 1, "kind": "gossip"},
            "a sentence 0: a check-worthy sentence needs a kind of",
        ),
        ({"text": "x", "label": 0, "kind": "event"}, "a sentence 0: a skipped sentence has no kind"),
    ],
)
def test_a_broken_label_is_refused_with_its_place(tmp_path: Path, row: dict, message: str) -> None:
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"news": [{"id": "a", "sentences": [row]}], "seeds": []}), encoding="utf-8")
    with pytest.raises(en.NewsSetError, match=f"set.json: {message}"):
        en.load_news_set(path)


def test_the_shipped_set_is_whole_articles_with_both_passes() -> None:
    news, seeds = en.load_news_set()
    assert len(news) >= 12
    assert sum(len(a.sentences) for a in news) >= 300
    assert len(seeds) == 5
    data = json.loads(en.NEWS_SET.read_text(encoding="utf-8"))
    rows = [s for part in ("news", "seeds") for a in data[part] for s in a["sentences"]]
    disagreements = [s for s in rows if s["pass1"] != s["pass2"]]
    assert len(disagreements) == data["labelling"]["label_disagreements"]
    assert all(s.get("resolution") for s in disagreements)
    assert all(a.get("url") and a.get("licence") for a in data["news"])
