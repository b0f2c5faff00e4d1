"""`manage.py score_sentences --input FILE [--output FILE] [--threshold X]`: score `id<TAB>text` lines.

Writes `id<TAB>score<TAB>label` lines: the shipped model's check-worthiness score with 6 decimals, and
label 1 when the sentence is a claim at the threshold in force (`--threshold`, else
`settings.FACTCHECK_CLAIM_THRESHOLD`, else the model's tuned default). Streams, so large files are fine.
This interface is used to evaluate the extractor from outside: keep it as it is.
"""

from __future__ import annotations

import math
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
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["threshold"] is not None and not math.isfinite(options["threshold"]):
            raise CommandError("--threshold must be a number (a score between 0 and 1).")
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
                try:
                    count = self._to_file(infile, Path(target), scorer, threshold, options["batch_size"])
                except OSError as exc:  # the folder or the file cannot be made (the input is open)
                    raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
        except InputFormatError as exc:
            raise CommandError(f"{source}: {exc}") from exc
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start]
            raise CommandError(f"{source}: not UTF-8 text (invalid byte 0x{byte:02x}).") from None
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
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp makes it 0600; a written file is usually 0644
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return count
