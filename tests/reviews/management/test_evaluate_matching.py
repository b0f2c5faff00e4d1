"""`manage.py evaluate_matching`: prints the figures, rewrites only its own section of docs/matching.md,
and refuses a missing seeds folder with a readable reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviews.management.commands import evaluate_matching
from reviews.matching import evaluation


def test_writes_its_section_and_leaves_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "matching.md"
    stale = f"{evaluation.FIGURES_START}\nstale figures\n{evaluation.FIGURES_END}"
    docs.write_text(f"intro\n\n{stale}\n\nafter\n")
    monkeypatch.setattr(evaluate_matching, "DOCS_PATH", docs)
    out = io.StringIO()
    call_command("evaluate_matching", "--write-docs", stdout=out, stderr=io.StringIO())
    text = docs.read_text()
    assert text.startswith("intro\n\n" + evaluation.FIGURES_START)
    assert text.rstrip().endswith("after")
    assert "stale figures" not in text
    assert "| held-out |" in text
    assert "Seeds (`seeds/`" in text
    assert out.getvalue().startswith(evaluation.FIGURES_START)


def test_missing_seeds_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="seeds folder not found: "):
        call_command("evaluate_matching", "--seeds", str(tmp_path / "nope"))
