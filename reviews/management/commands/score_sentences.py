"""`manage.py score_sentences --input FILE [--output FILE] [--threshold X]`: score `id<TAB>text` lines.

Writes `id<TAB>score<TAB>label` lines: the shipped model's check-worthiness score with 6 decimals, and
label 1 when the sentence is a claim at the threshold in force (`--threshold`, else
`settings.FACTCHECK_CLAIM_THRESHOLD`, else the model's tuned default). Streams, so large files are fine.
This interface is used to evaluate the extractor from outside: keep it as it is.
"""

from __future__ import annotations

import os
import sys
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.extraction.scorer import InputFormatError, get_scorer, score_id_text


class Command(BaseCommand):
    help = "Score id<TAB>text lines with the check-worthiness model; write id<TAB>score<TAB>label lines."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--input", required=True, help="UTF-8 file of id<TAB>text lines ('-' = stdin).")
        parser.add_argument("--output", help="Where to write id<TAB>score<TAB>label lines (default stdout).")
        parser.add_argument(
            "--threshold", type=float, help="Claim threshold (default: settings, then model)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1,
            help="Sentences per model call (default 1: each scored alone, as ingest does; larger is a little "
            "faster, but a score then moves by a few hundredths with its batch).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scorer = get_scorer()
        threshold = options["threshold"]
        if threshold is None:
            configured = getattr(settings, "FACTCHECK_CLAIM_THRESHOLD", None)
            threshold = scorer.default_threshold if configured is None else float(configured)
        source = options["input"]
        target = options["output"]
        try:
            infile = (
                sys.stdin if source == "-" else open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115
            )
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc}") from exc
        try:
            if target is None:
                count = score_id_text(
                    infile, self.stdout, scorer, threshold, batch_size=options["batch_size"]
                )
            else:
                count = self._to_file(infile, Path(target), scorer, threshold, options["batch_size"])
        except InputFormatError as exc:
            raise CommandError(f"{source}: {exc}") from exc
        finally:
            if infile is not sys.stdin:
                infile.close()
        if target is not None and options["verbosity"] > 0:
            self.stderr.write(f"scored {count} sentences (threshold {threshold:g}) -> {target}")

    @staticmethod
    def _to_file(infile: Any, target: Path, scorer: Any, threshold: float, batch_size: int) -> int:
        """Write next to `target` and rename at the end, so a failed run leaves no half-written file."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                count = score_id_text(infile, out, scorer, threshold, batch_size=batch_size)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return count
