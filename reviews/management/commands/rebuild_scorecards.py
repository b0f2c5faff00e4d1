"""`manage.py rebuild_scorecards [--all | ARTICLE_ID ...]`: rebuild scorecards on the Celery workers.

For after a change to what scorecards show (or to repair by hand): the articles are marked stale chunk by
chunk, each chunk is queued as one `reviews.scorecards_build_chunk` message for whichever worker is free,
and the command follows progress in the database until every scorecard is current again. Marking stale
first makes the rebuild safe to interrupt: whatever is left is rebuilt by the sweeper.
"""

from __future__ import annotations

import math
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reviews.models import Article
from reviews.selectors_scorecards import scorecards_stale_count
from reviews.services.scorecards import BROKER_ERRORS, CHUNK_SIZE, scorecards_fan_out

POLL_SECONDS = 0.25


class Command(BaseCommand):
    help = "Rebuild article scorecards on the Celery workers, in chunks, and wait until they are current."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("article_ids", nargs="*", type=int, metavar="ARTICLE_ID")
        parser.add_argument("--all", action="store_true", help="Every extracted article.")
        parser.add_argument(
            "--chunk-size", type=int, default=CHUNK_SIZE, help=f"Articles per message (default {CHUNK_SIZE})."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=600.0,
            help="Seconds to wait for the workers before giving up (default 600).",
        )
        parser.add_argument("--no-wait", action="store_true", help="Queue the rebuild and return at once.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = self._article_ids(options["article_ids"], everything=options["all"])
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if not math.isfinite(options["timeout"]) or options["timeout"] < 0:
            # nan never compares true, so the wait never ended; inf waited for ever on purpose or not.
            raise CommandError("--timeout must be a number of seconds, 0 or more.")
        if not ids:
            self.stdout.write("No extracted articles: nothing to rebuild.")
            return
        started = time.monotonic()
        try:
            chunks = scorecards_fan_out(article_ids=ids, chunk_size=options["chunk_size"], mark_stale=True)
        except BROKER_ERRORS as exc:
            raise CommandError(
                f"Cannot queue scorecard builds: the Celery broker is unreachable ({exc}). The articles "
                "queued so far are marked stale; the sweeper rebuilds them once the broker is back."
            ) from None
        if options["no_wait"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Queued {len(ids)} scorecard rebuild(s) in {chunks} chunk(s); the workers build them."
                )
            )
            return
        scope = None if options["all"] else ids
        show_bar = not options["no_progress"] and options["verbosity"] > 0
        bar = tqdm(total=len(ids), unit="article", disable=not show_bar, file=sys.stderr, dynamic_ncols=True)
        pending = len(ids)
        deadline = started + options["timeout"]
        while True:
            pending = min(len(ids), scorecards_stale_count(article_ids=scope))
            bar.update(len(ids) - pending - bar.n)
            if pending == 0 or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        bar.close()
        elapsed = time.monotonic() - started
        if pending:
            raise CommandError(
                f"{pending} of {len(ids)} scorecard(s) were not rebuilt within {options['timeout']:g} s; "
                "is a Celery worker running? They stay marked stale, so the sweeper rebuilds them."
            )
        rate = len(ids) / elapsed if elapsed > 0 else float(len(ids))
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {len(ids)} scorecard(s) in {chunks} chunk(s) in {elapsed:.1f} s "
                f"({rate:.0f} articles/s)."
            )
        )

    def _article_ids(self, given: list[int], *, everything: bool) -> list[int]:
        if everything and given:
            raise CommandError("Give article ids or --all, not both.")
        if not everything and not given:
            raise CommandError("Give the ids of the articles to rebuild, or --all.")
        articles = Article.objects.order_by("pk")
        if everything:
            return list(articles.ready().values_list("pk", flat=True))
        wanted = sorted(set(given))
        found = set(articles.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [str(article_id) for article_id in wanted if article_id not in found]
        if missing:
            raise CommandError(f"No article with id {', '.join(missing)}.")
        ready = set(articles.ready().filter(pk__in=wanted).values_list("pk", flat=True))
        unready = [str(article_id) for article_id in wanted if article_id not in ready]
        if unready:
            raise CommandError(
                f"Not extracted yet (no claims to summarise), so no scorecard: article {', '.join(unready)}."
            )
        return wanted
