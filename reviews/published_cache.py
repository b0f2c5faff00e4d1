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
import functools
import hashlib
import logging
import operator
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

log = logging.getLogger(__name__)

#: Bump when the stored format or a rendering changes: entries of the old format are then never read.
FORMAT_VERSION = 2
GENERATION_KEY = "published:generation"
# How often beat runs `published_reconcile`, and the most verdicts one run outdates (more wait for the
# next run, oldest first).
RECONCILE_SECONDS = 60.0
RECONCILE_BATCH = 500
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


def published_reconcile(*, limit: int = RECONCILE_BATCH) -> int:
    """The beat sweep: `published_changed` again for the verdicts whose invalidation was lost.

    `published_changed_on_commit` marks the verdicts it invalidates (`Verdict.cache_stale_since`) in the
    caller's transaction and clears the mark once the cache took the invalidation; a mark left behind
    means it never did (the process killed between the commit and its callback, or the cache unreachable
    just then). The sweep outdates up to `limit` of them, oldest mark first, however long ago that was,
    and clears each mark unless it was set again meanwhile. Reading the marks is one scan of a partial
    index that holds only them. Idempotent; with the cache unreachable, the marks wait for the next run.
    Returns how many verdicts were invalidated."""
    from reviews.cache_outage import CACHE_ERRORS, cache_outage
    from reviews.models import Verdict

    if not enabled():
        return 0
    marked = Verdict.objects.filter(cache_stale_since__isnull=False).order_by("cache_stale_since", "pk")
    rows = marked.values_list("pk", "cache_stale_since")[:limit]
    marks = {pk: at for pk, at in rows if at is not None}
    if not marks:
        return 0
    try:
        published_changed(verdict_ids=list(marks))
    except CACHE_ERRORS as error:
        cache_outage.failed(error)
        return 0
    _marks_clear(marks)
    return len(marks)


def _marks_set(verdict_ids: Sequence[int]) -> dt.datetime:
    """Mark `verdict_ids` as changed for the cache (rows locked in primary-key order, the services' order)."""
    from django.db import transaction
    from django.utils import timezone

    from reviews.models import Verdict

    now = timezone.now()
    with transaction.atomic(savepoint=False):
        locked = Verdict.objects.select_for_update().filter(pk__in=verdict_ids).order_by("pk")
        Verdict.objects.filter(pk__in=list(locked.values_list("pk", flat=True))).update(cache_stale_since=now)
    return now


def _marks_clear(marks: Mapping[int, dt.datetime]) -> None:
    """Clear the marks that are still the ones given (a verdict changed again meanwhile keeps its own)."""
    from reviews.models import Verdict

    same = functools.reduce(operator.or_, (Q(pk=pk, cache_stale_since=at) for pk, at in marks.items()))
    Verdict.objects.filter(same).update(cache_stale_since=None)


def published_changed_on_commit(*, verdict_ids: Sequence[int]) -> None:
    """Call `published_changed` once the current transaction commits (never if it rolls back).

    The verdicts are marked in the current transaction and the marks cleared once the cache took the
    invalidation, so a lost one is found by `published_reconcile`. A cache that cannot be reached does
    not fail the caller, whose change is committed: the outage is logged once (reviews.cache_outage), not
    per change, and the reconcile sweep outdates the entries once the cache is back. Any other error is
    logged with its traceback.
    """
    from django.db import transaction

    from reviews.cache_outage import CACHE_ERRORS, cache_outage

    ids = list(verdict_ids)
    if not enabled():
        return
    marked_at = _marks_set(ids) if ids else None

    def invalidate() -> None:
        try:
            published_changed(verdict_ids=ids)
            if marked_at is not None:
                _marks_clear(dict.fromkeys(ids, marked_at))
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
