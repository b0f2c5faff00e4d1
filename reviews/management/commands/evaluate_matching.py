"""`manage.py evaluate_matching [--seeds DIR] [--write-docs] [--json]`: claim matching's figures.

Precision and recall of matching and of conflicts on the labelled claims (reviews/matching/data/), the
threshold chosen on the development split, and the seeds matched end to end. `--write-docs` rewrites the
figures section of docs/matching.md.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.matching import evaluation
from reviews.matching.embedder import embed

REPO_DIR = Path(settings.BASE_DIR)
DOCS_PATH = REPO_DIR / "docs" / "matching.md"


class Command(BaseCommand):
    help = "Measure claim matching and conflict detection on the labelled claims and the seeds."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seeds", type=Path, default=REPO_DIR / "seeds", help="Seed articles folder.")
        parser.add_argument("--write-docs", action="store_true", help=f"Rewrite the figures in {DOCS_PATH}.")
        parser.add_argument("--json", action="store_true", help="Print the raw results as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        seeds: Path = options["seeds"]
        if not seeds.is_dir():
            raise CommandError(f"seeds folder not found: {seeds}")
        result = evaluation.evaluate(embed, seeds)
        figures = evaluation.format_report(result, "manage.py evaluate_matching --write-docs")
        self.stdout.write(json.dumps(result, indent=2, default=str) if options["json"] else figures)
        if options["write_docs"]:
            try:
                text = DOCS_PATH.read_text(encoding="utf-8")
                updated = DOCS_PATH.with_name(f".{DOCS_PATH.name}.tmp")
                updated.write_text(evaluation.replace_figures(text, figures), encoding="utf-8")
                updated.replace(DOCS_PATH)  # whole or not at all
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot update {DOCS_PATH}: {exc}") from exc
            self.stderr.write(f"updated {DOCS_PATH}")
