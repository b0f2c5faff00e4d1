"""`manage.py ingest PATH|URL [...]`: ingest article files (plain text or HTML), folders of them, and
article pages fetched from http(s) URLs (reviews.services.article_urls)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import sys
from argparse import ArgumentParser
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError
from tqdm import tqdm

from reviews.exceptions import ArticleRejected
from reviews.extraction.parallel import extract_in_worker, init_worker
from reviews.extraction.types import ExtractionResult
from reviews.models import Article
from reviews.services.article_urls import article_prepare_url
from reviews.services.articles import (
    IngestOutcome,
    PreparedArticle,
    article_extraction_checked,
    article_extraction_failed,
    article_prepare,
    article_run_extraction,
    article_store,
    article_threshold,
)
from reviews.services.scorecards import scorecards_fan_out

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".md"}
# Articles per extraction job with --jobs: their sentences are scored in one call.
CHUNK = 8


def display_name(path: Path) -> str:
    """`path` as text for messages and the article's origin. A file name that is not UTF-8 keeps its bytes
    as `\\xff` escapes: Python hands such names over with surrogates, which the database refused (the
    whole run stopped at that file)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long for the file system: `_read` says why it cannot be read
        return False


def is_url(raw: str) -> bool:
    return raw.lower().startswith(("http://", "https://"))


def iter_article_files(paths: list[str]) -> Iterator[Path | str]:
    """URLs are kept as they are; files named directly are always tried; folders contribute their article
    files, sorted, recursively."""
    for raw in paths:
        if is_url(raw):
            yield raw
            continue
        path = Path(raw)
        if _is_dir(path):
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".")
            )
        else:
            yield path


def _read(path: Path, limit: int) -> bytes:
    """Read at most one byte past the limit, so an oversized file is refused without loading it whole."""
    name = display_name(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ArticleRejected(f"{name}: is a directory.")
        # A FIFO or a device would block or never end; /dev/stdin (a pipe) is read on purpose.
        if not stat.S_ISREG(info.st_mode) and str(path) != "/dev/stdin":
            raise ArticleRejected(f"{name}: not a regular file.")
        if info.st_size > limit:
            raise ArticleRejected(
                f"{name}: too large ({info.st_size:,} bytes; the limit is {limit:,} bytes)."
            )
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise ArticleRejected(f"{name}: no such file.") from None
    except OSError as exc:
        raise ArticleRejected(f"{name}: cannot be read ({exc.strerror}).") from None


@dataclass
class Tally:
    created: int = 0
    duplicates: int = 0
    claims: int = 0
    failures: list[str] = field(default_factory=list)

    created_ids: list[int] = field(default_factory=list)

    def add(self, outcome: IngestOutcome) -> None:
        if outcome.created:
            self.created += 1
            self.created_ids.append(outcome.article.pk)
            self.claims += outcome.claims_queued
        else:
            self.duplicates += 1


class Command(BaseCommand):
    help = "Ingest articles: clean each one, extract its claims and queue one review task per claim."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            help=(
                "Article files (plain text or HTML) or folders, whose "
                f"{', '.join(sorted(ARTICLE_SUFFIXES))} files are read (hidden files are skipped), or "
                "http(s) URLs of article pages to fetch."
            ),
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Extract in this many worker processes (0 = one per core). Storing stays in this process.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jobs"] < 0:
            raise CommandError("--jobs must be 0 (one per core) or more.")
        files = list(iter_article_files(options["paths"]))
        if not files:
            raise CommandError("No article files found in: " + ", ".join(options["paths"]))
        jobs = options["jobs"] if options["jobs"] > 0 else (os.cpu_count() or 1)
        tally = Tally()
        show_bar = len(files) > 1 and not options["no_progress"] and options["verbosity"] > 0
        bar = tqdm(total=len(files), unit="file", disable=not show_bar, file=sys.stderr, dynamic_ncols=True)

        def reject(exc: ArticleRejected) -> None:
            tally.failures.append(exc.message)
            bar.write(self.style.ERROR(f"rejected {exc.message}"), file=sys.stderr)

        prepared = self._prepare_all(files, tally, reject, bar)
        if jobs > 1 and len(files) > 1:
            self._extract_in_pool(prepared, jobs, tally, reject, bar)
        else:
            for item in prepared:
                try:
                    result, threshold = article_run_extraction(item)
                    tally.add(
                        article_store(
                            prepared=item, result=result, threshold=threshold, build_scorecard=False
                        )
                    )
                except ArticleRejected as exc:
                    reject(exc)
                bar.update()
        bar.close()
        self._queue_scorecards(tally.created_ids)
        summary = (
            f"Ingested {tally.created} new article(s) with {tally.claims} claim(s); "
            f"{tally.duplicates} already present (unchanged); {len(tally.failures)} rejected."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not tally.failures else self.style.WARNING(summary))
        if tally.failures:
            raise CommandError(
                f"{len(tally.failures)} of {len(files)} file(s) were rejected (reasons above)."
            )

    def _queue_scorecards(self, article_ids: list[int]) -> None:
        """One build message per chunk of new articles instead of one per article; if the broker is
        unreachable the periodic sweeper builds them (a missing scorecard counts as stale)."""
        if not article_ids:
            return
        try:
            scorecards_fan_out(article_ids=article_ids)
        except OperationalError as exc:
            self.stderr.write(
                f"Scorecards not queued ({exc}); the periodic sweep will build them once the broker is back."
            )

    def _prepare_all(
        self, files: list[Path | str], tally: Tally, reject: Any, bar: tqdm[Any]
    ) -> Iterator[PreparedArticle]:
        """Read (or fetch), decode and identify each file lazily; duplicates and rejects are settled here."""
        limit = settings.FACTCHECK_MAX_ARTICLE_BYTES
        seen: set[str] = set()
        for path in files:
            try:
                if isinstance(path, str):
                    item = article_prepare_url(url=path)
                else:
                    item = article_prepare(data=_read(path, limit), name=display_name(path))
            except ArticleRejected as exc:
                reject(exc)
                bar.update()
                continue
            if isinstance(item, Article) or item.content_hash in seen:
                tally.duplicates += 1
                bar.update()
                continue
            seen.add(item.content_hash)
            yield item

    def _extract_in_pool(
        self, prepared: Iterator[PreparedArticle], jobs: int, tally: Tally, reject: Any, bar: tqdm[Any]
    ) -> None:
        """Extraction in `jobs` processes, in chunks of CHUNK articles (scored together, which is faster),
        storing in order as results arrive, with a bounded number of chunks in flight so memory does not
        grow with the number of files."""
        # Spawned (not forked) workers import only the pure extraction code: no database socket, Django
        # state or ONNX session is shared with this process.
        window: deque[tuple[list[PreparedArticle], Future[list[ExtractionResult]]]] = deque()
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(
                settings.FACTCHECK_SCORER,
                settings.FACTCHECK_CLAIM_THRESHOLD,
                settings.FACTCHECK_MAX_CLAIM_CHARS,
            ),
        ) as pool:

            def drain(keep: int) -> None:
                while len(window) > keep:
                    chunk, future = window.popleft()
                    try:
                        results = future.result()
                    except Exception as exc:
                        # A worker raised or died (BrokenProcessPool): the chunk's articles are refused
                        # with the reason, as in one process (services.articles._extract), and the run
                        # goes on to its summary.
                        logger.error("Extraction of %d article(s) failed", len(chunk), exc_info=exc)
                        for item in chunk:
                            reject(article_extraction_failed(item.name, exc))
                            bar.update()
                        continue
                    for item, result in zip(chunk, results, strict=True):
                        try:
                            checked, threshold = article_extraction_checked(item, result)
                            tally.add(
                                article_store(
                                    prepared=item, result=checked, threshold=threshold, build_scorecard=False
                                )
                            )
                        except ArticleRejected as exc:
                            reject(exc)
                        bar.update()

            def submit(chunk: list[PreparedArticle]) -> None:
                items = [(item.text, item.content_type, item.name) for item in chunk]
                # Each article's threshold as the policy gives it (its source's, else the default).
                thresholds = [article_threshold(item).value for item in chunk]
                window.append((chunk, pool.submit(extract_in_worker, items, thresholds)))
                drain(keep=jobs * 2)

            chunk: list[PreparedArticle] = []
            for item in prepared:
                chunk.append(item)
                if len(chunk) == CHUNK:
                    submit(chunk)
                    chunk = []
            if chunk:
                submit(chunk)
            drain(keep=0)
