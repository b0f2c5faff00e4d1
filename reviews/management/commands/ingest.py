"""`manage.py ingest PATH [PATH ...]`: ingest article files (plain text or HTML) and folders of them."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reviews.exceptions import ArticleRejected
from reviews.services.articles import article_ingest

ARTICLE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".md"}


def iter_article_files(paths: list[str]) -> Iterator[Path]:
    """Files named directly are always tried; folders contribute their article files, sorted, recursively."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".")
            )
        else:
            yield path


class Command(BaseCommand):
    help = "Ingest articles: clean each one, extract its claims and queue one review task per claim."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", help="Article files (.txt, .html) or folders of them.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        files = list(iter_article_files(options["paths"]))
        if not files:
            raise CommandError("No article files found in: " + ", ".join(options["paths"]))
        limit = settings.FACTCHECK_MAX_ARTICLE_BYTES
        created = duplicates = claims = 0
        failures: list[str] = []
        show_bar = len(files) > 1 and not options["no_progress"] and options["verbosity"] > 0
        bar = tqdm(files, unit="file", disable=not show_bar, file=sys.stderr, dynamic_ncols=True)
        for path in bar:
            bar.set_postfix_str(path.name[-30:], refresh=False)
            try:
                data = _read(path, limit)
                outcome = article_ingest(data=data, name=str(path))
            except ArticleRejected as exc:
                failures.append(exc.message)
                bar.write(self.style.ERROR(f"rejected {exc.message}"), file=sys.stderr)
                continue
            if outcome.created:
                created += 1
                claims += outcome.claim_count
            else:
                duplicates += 1
        bar.close()
        summary = (
            f"Ingested {created} new article(s) with {claims} claim(s); "
            f"{duplicates} already present (unchanged); {len(failures)} rejected."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not failures else self.style.WARNING(summary))
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} file(s) were rejected (reasons above).")


def _read(path: Path, limit: int) -> bytes:
    """Read at most one byte past the limit, so an oversized file is refused without loading it whole."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ArticleRejected(f"{path}: too large ({size:,} bytes; the limit is {limit:,} bytes).")
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise ArticleRejected(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise ArticleRejected(f"{path}: is a directory.") from None
    except OSError as exc:
        raise ArticleRejected(f"{path}: cannot be read ({exc.strerror}).") from None
