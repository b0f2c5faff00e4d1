"""`manage.py evaluate_extractor [--datasets DIR] [--news] [--write-docs] [--json]`: the scorer's figures.

F1 on ClaimBuster groundtruth and CheckThat! 2024 dev-test at the model's threshold, MAP on the held-out
CheckThat! 2019 documents. `--news` measures the labelled news articles instead (evaluation_news.py: precision
and recall at the debate-tuned and the news thresholds, the news threshold's cross-validated figures, the
top third of each article's ranking, the seeds apart, claim-type accuracy). `--write-docs` rewrites the
matching figures section of docs/extraction.md.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.extraction import evaluation, evaluation_news
from reviews.extraction.scorer import get_scorer

DOCS_PATH = evaluation.REPO_DIR / "docs" / "extraction.md"


class Command(BaseCommand):
    help = "Measure the check-worthiness scorer on the public datasets (F1, MAP)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--datasets",
            type=Path,
            help="Datasets folder (default $FACTCHECK_DATASETS_DIR, else ../shared/datasets beside the "
            "project).",
        )
        parser.add_argument(
            "--news",
            action="store_true",
            help="Measure the labelled news articles (reviews/extraction/data/news_labelled.json) instead.",
        )
        parser.add_argument("--write-docs", action="store_true", help=f"Rewrite the figures in {DOCS_PATH}.")
        parser.add_argument("--json", action="store_true", help="Print the raw results as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["news"]:
            self._news(options)
            return
        datasets = options["datasets"] or evaluation.default_datasets_dir()
        if not datasets.is_dir():
            raise CommandError(f"datasets folder not found: {datasets}")
        scorer = get_scorer()
        try:
            results = evaluation.evaluate(scorer, datasets)
        except (OSError, KeyError, ValueError) as exc:
            # A file missing from the folder, or a CSV/TSV without the columns the datasets' README gives.
            detail = f"no column {exc}" if isinstance(exc, KeyError) else str(exc)
            raise CommandError(f"cannot read the datasets in {datasets}: {detail}") from None
        figures = evaluation.format_figures(results, scorer.meta)
        self.stdout.write(json.dumps(results, indent=2) if options["json"] else figures)
        if options["write_docs"]:
            self._write_docs(evaluation.replace_figures_section, figures)

    def _news(self, options: dict[str, Any]) -> None:
        try:
            results = evaluation_news.evaluate_news(get_scorer())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the news set {evaluation_news.NEWS_SET}: {exc}") from None
        figures = evaluation_news.format_news_figures(results)
        self.stdout.write(json.dumps(results, indent=2) if options["json"] else figures)
        if options["write_docs"]:
            self._write_docs(evaluation_news.replace_news_figures_section, figures)

    def _write_docs(self, replace: Callable[[str, str], str], figures: str) -> None:
        try:
            text = DOCS_PATH.read_text(encoding="utf-8")
            updated = DOCS_PATH.with_name(f".{DOCS_PATH.name}.tmp")
            updated.write_text(replace(text, figures), encoding="utf-8")
            updated.replace(DOCS_PATH)  # whole or not at all
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot update {DOCS_PATH}: {exc}") from exc
        self.stderr.write(f"updated {DOCS_PATH}")
