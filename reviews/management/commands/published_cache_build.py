"""`manage.py published_cache_build [--chunk-size N]`: render every published verdict into the published
cache (reviews/published_cache.py), so anonymous readers of any verdict hit it from the first request.

For after a deploy that changed a rendering (FORMAT_VERSION), a cache flush, or a bulk load that did not
go through `verdict_publish` (bench/api.py). Runs in this process, chunk by chunk in id order (three
queries and one cache round trip per chunk); safe to interrupt or run twice: whatever is missing is
rendered by its first reader.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from reviews.api.published_render import fragments_build_stored
from reviews.models import Verdict
from reviews.published_cache import enabled

# Renderings of one chunk before it is left to readers; the message below says "three times over".
ATTEMPTS = 3


class Command(BaseCommand):
    help = "Render every published verdict into the published cache."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=500, help="Verdicts per chunk (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not enabled():
            raise CommandError("The published cache is off (FACTCHECK_PUBLISHED_CACHE); nothing to build.")
        size = options["chunk_size"]
        if size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        built, left, after = 0, 0, 0
        try:
            while True:
                ids = list(
                    Verdict.objects.published()
                    .filter(pk__gt=after)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:size]
                )
                if not ids:
                    break
                stored = fragments_build_stored(ids, attempts=ATTEMPTS)
                if stored is None:  # published verdicts kept changing while this chunk was rendered
                    left += len(ids)
                else:
                    built += stored
                after = ids[-1]
        except (RedisError, OSError) as exc:
            raise CommandError(
                f"The cache is unreachable ({exc}); {built} verdicts were rendered before it failed. Run "
                "the command again once it is back (readers render what is missing meanwhile)."
            ) from None
        self.stdout.write(f"{built} published verdicts rendered into the cache.")
        if left:
            self.stdout.write(
                f"{left} were not: published verdicts changed while they were rendered, three times over. "
                "Their first readers render them; run the command again to render them now."
            )
