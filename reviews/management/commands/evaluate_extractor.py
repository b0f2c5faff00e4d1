"""`manage.py evaluate_extractor [--datasets DIR] [--write-docs] [--json]`: the scorer's figures.

F1 on ClaimBuster groundtruth and CheckThat! 2024 dev-test at the model's threshold, MAP on the held-out
CheckThat! 2019 documents. `--write-docs` rewrites the figures section of docs/extraction.md.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.extraction import evaluation
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
        parser.add_argument("--write-docs", action="store_true", help=f"Rewrite the figures in {DOCS_PATH}.")
        parser.add_argument("--json", action="store_true", help="Print the raw results as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
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
            try:
                text = DOCS_PATH.read_text(encoding="utf-8")
                updated = DOCS_PATH.with_name(f".{DOCS_PATH.name}.tmp")
                updated.write_text(evaluation.replace_figures_section(text, figures), encoding="utf-8")
                updated.replace(DOCS_PATH)  # whole or not at all
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot update {DOCS_PATH}: {exc}") from exc
            self.stderr.write(f"updated {DOCS_PATH}")
