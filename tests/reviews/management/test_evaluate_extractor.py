"""`manage.py evaluate_extractor --news`: the news figures from the labelled set, and their docs section."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviews.management.commands import evaluate_extractor


def test_command_prints_the_news_figures() -> None:
    out = StringIO()
    call_command("evaluate_extractor", "--news", stdout=out)
    text = out.getvalue()
    assert "cross-validated by article" in text
    assert "| statistic |" in text


def test_write_docs_rewrites_only_the_news_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "extraction.md"
    docs.write_text(
        "intro\n<!-- news-figures:start -->\nstale figures\n<!-- news-figures:end -->\n"
        "<!-- figures:start -->\ndebates\n<!-- figures:end -->\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(evaluate_extractor, "DOCS_PATH", docs)
    call_command("evaluate_extractor", "--news", "--write-docs", stdout=StringIO(), stderr=StringIO())
    text = docs.read_text(encoding="utf-8")
    assert "stale figures" not in text
    assert "cross-validated by article" in text
    assert "<!-- figures:start -->\ndebates\n<!-- figures:end -->" in text


def test_write_docs_without_the_news_markers_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "extraction.md"
    docs.write_text("no markers\n", encoding="utf-8")
    monkeypatch.setattr(evaluate_extractor, "DOCS_PATH", docs)
    with pytest.raises(
        CommandError, match="markers <!-- news-figures:start --> / <!-- news-figures:end --> not found"
    ):
        call_command("evaluate_extractor", "--news", "--write-docs", stdout=StringIO())
    assert docs.read_text(encoding="utf-8") == "no markers\n"
