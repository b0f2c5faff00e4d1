"""The cache of rendered published content: what anonymous API callers read, kept in the shared cache.

Published verdicts are frozen (a correction is a new version), so what anonymous callers and API
consumers read changes only when a verdict is published, corrected or retracted, or a rating label is
edited. Two kinds of entries, both in the default cache (Redis in production, shared by every process):

- one *fragment* per published verdict: its detail JSON and its ClaimReview JSON-LD, rendered once
  (reviews.api.published_render) without the site's URLs, which differ by host and are filled in per
  request. Kept until the verdict changes (deleted then) or FACTCHECK_PUBLISHED_CACHE_SECONDS pass.
- whole *responses* of the anonymous verdict feeds (a URL with its query string), tagged with the
  *generation* they were rendered at. Every change to published content bumps the generation, so a
  response from before the change is never served again.

Visibility: entries only ever hold what `reviews.selectors_public` shows to somebody who cannot see
unpublished work, and only such callers are answered from them (reviews.api.cached_reads, in the API
views): anonymous requests and API consumers' tokens; editors always get the database's answer.

No stale entry survives a change: `published_changed` runs after the change committed; it bumps the
generation first and then deletes the fragments. A reader that rendered from the database before the
commit checks the generation again after storing its fragment and deletes it if the generation moved
(`fragments_store`), so an old rendering cannot be stored after its deletion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

#: Bump when the stored format or a rendering changes: entries of the old format are then never read.
FORMAT_VERSION = 1
GENERATION_KEY = "published:generation"
# How far back `published_reconcile` (beat, every RECONCILE_SECONDS) looks for changed verdicts: several
# sweeps, so one sweep that did not run (worker restart) is covered by the next.
RECONCILE_SECONDS = 60.0
RECONCILE_WINDOW = dt.timedelta(minutes=10)
_DELETE_CHUNK = 1000

#: A part of a stored document: literal JSON bytes, or the name of a slot filled per request
#: ("page": the verdict's public page URL, "site": the site's root URL), as JSON strings.
Part = bytes | str


@dataclass(frozen=True, slots=True)
class Fragment:
    """One published verdict, rendered: its detail JSON and its ClaimReview document, in parts."""

    verdict_id: int
    detail: tuple[Part, ...]
    claimreview: tuple[Part, ...]


def enabled() -> bool:
    """FACTCHECK_PUBLISHED_CACHE: on only with a cache every process shares (see settings)."""
    return bool(settings.FACTCHECK_PUBLISHED_CACHE)


def _namespace() -> str:
    # The publisher (name, URL) is rendered into every ClaimReview: a settings change must not be met
    # with documents rendered under the old one.
    publisher = f"{settings.FACTCHECK_PUBLISHER_NAME}\x00{settings.FACTCHECK_PUBLISHER_URL}"
    return f"published:{FORMAT_VERSION}:{hashlib.sha256(publisher.encode()).hexdigest()[:8]}"


def fragment_key(verdict_id: int) -> str:
    return f"{_namespace()}:verdict:{verdict_id}"


def response_key(signature: str) -> str:
    return f"{_namespace()}:response:{hashlib.sha256(signature.encode()).hexdigest()}"


def _timeout() -> int:
    return int(settings.FACTCHECK_PUBLISHED_CACHE_SECONDS)


# --- the generation ----------------------------------------------------------------------------------


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else _start_generation()


def _start_generation() -> int:
    # No counter (first use, or evicted): start from the clock, never from 0, so that a value entries
    # were tagged with before the counter was lost does not come round again.
    cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    return int(cache.get(GENERATION_KEY))


def _bump_generation() -> int:
    try:
        return int(cache.incr(GENERATION_KEY))
    except ValueError:
        _start_generation()
        return int(cache.incr(GENERATION_KEY))


def published_changed(*, verdict_ids: Iterable[int] = ()) -> None:
    """Published content changed (after commit): no response or fragment from before is served again.

    Every feed response goes (the generation moves); the fragments of `verdict_ids` are deleted.
    """
    if not enabled():
        return
    _bump_generation()
    keys = [fragment_key(pk) for pk in verdict_ids]
    for start in range(0, len(keys), _DELETE_CHUNK):
        cache.delete_many(keys[start : start + _DELETE_CHUNK])


def published_reconcile(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: `published_changed` again for every verdict changed in the last RECONCILE_WINDOW.

    An invalidation can be lost (the process killed between a commit and its on-commit callback, or the
    cache unreachable just then); this repairs it within a sweep instead of at expiry, so a retraction or
    correction shows everywhere within about a minute even then. Idempotent; while changes are recent it
    costs every stored feed response a re-render per sweep. Rating label edits are not covered (labels
    have no change time); they are rare and editors make them in the admin, whose invalidation runs in
    the same request. Returns how many verdicts were invalidated."""
    from django.utils import timezone

    from reviews.models import Verdict

    if not enabled():
        return 0
    since = (now or timezone.now()) - RECONCILE_WINDOW
    ids = list(Verdict.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    if ids:
        published_changed(verdict_ids=ids)
    return len(ids)


def published_changed_on_commit(*, verdict_ids: Sequence[int]) -> None:
    """Call `published_changed` once the current transaction commits (never if it rolls back).

    A cache that cannot be reached then does not fail the caller, whose change is committed: the outage
    is logged once (reviews.cache_outage), not per change, and the reconcile sweep outdates the entries
    once the cache is back. Any other error is logged with its traceback.
    """
    from django.db import transaction

    from reviews.cache_outage import CACHE_ERRORS, cache_outage

    ids = list(verdict_ids)

    def invalidate() -> None:
        try:
            published_changed(verdict_ids=ids)
        except CACHE_ERRORS as error:
            cache_outage.failed(error)
        except Exception:
            log.exception(
                "The published cache could not be invalidated for verdicts %s; the reconcile sweep "
                "tries again.",
                ids,
            )

    transaction.on_commit(invalidate)


# --- fragments ---------------------------------------------------------------------------------------


def fragments_get(verdict_ids: Sequence[int]) -> dict[int, Fragment]:
    """The cached fragments of `verdict_ids` (those not cached are missing from the answer)."""
    if not verdict_ids:
        return {}
    found = cache.get_many([fragment_key(pk) for pk in verdict_ids])
    by_id: dict[int, Fragment] = {}
    for value in found.values():
        if isinstance(value, Fragment):
            by_id[value.verdict_id] = value
    return by_id


def fragments_store(fragments: Iterable[Fragment], *, rendered_at: int) -> bool:
    """Store fragments rendered from the database after `generation()` returned `rendered_at`.

    If the generation has moved since, a change may have committed after they were read: they are
    deleted again and False is returned (the next reader renders afresh).
    """
    entries = {fragment_key(fragment.verdict_id): fragment for fragment in fragments}
    if not entries:
        return True
    cache.set_many(entries, timeout=_timeout())
    if generation() != rendered_at:
        cache.delete_many(list(entries))
        return False
    return True


def assemble(parts: Sequence[Part], slots: Mapping[str, bytes]) -> bytes:
    """A stored document with its slots filled in (`slots`: JSON-encoded strings by slot name)."""
    return b"".join(part if isinstance(part, bytes) else slots[part] for part in parts)


# --- feed answers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A feed's rendered answer, and the generation it was rendered at."""

    generation: int
    content: bytes


def response_get(signature: str) -> tuple[bytes | None, int]:
    """The body stored for `signature` if it is from the current generation, and that generation.

    One round trip to the cache for both.
    """
    key = response_key(signature)
    found: dict[str, Any] = cache.get_many([GENERATION_KEY, key])
    if GENERATION_KEY not in found:
        return None, _start_generation()
    current = int(found[GENERATION_KEY])
    stored = found.get(key)
    if isinstance(stored, StoredResponse) and stored.generation == current:
        return stored.content, current
    return None, current


def response_store(signature: str, *, generation: int, content: bytes) -> None:
    """Store a feed's body rendered from the database after `response_get` returned `generation`."""
    cache.set(response_key(signature), StoredResponse(generation, content), timeout=_timeout())
