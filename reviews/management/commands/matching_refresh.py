"""`manage.py matching_refresh`: read stored claims again after the matching library's reading changed.

Claims keep the embedding and facts read when their article was matched, stamped with the library's
`FACTS_VERSION`. When a release changes the reading (what is embedded, how facts are read), run this once:
every article with a claim read by another version is matched again by the workers, which read its
claims anew (`reviews.services.matching_run`), so old and new readings are never compared.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reviews.services.matching import matching_request_stale


class Command(BaseCommand):
    help = "Request matching again for the articles whose claims were read by an older matching library."

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the library loads the embedding model's runtime, which only this step needs.
        from reviews.matching import FACTS_VERSION

        count = matching_request_stale(version=FACTS_VERSION)
        self.stdout.write(
            f"Matching requested again for {count} article(s) whose claims were read by another version "
            f"of the matching library (now version {FACTS_VERSION})."
        )
