"""The process's vector index of claims, kept in step with PostgreSQL.

PostgreSQL is the source of truth: a claim's embedding is stored in its row (`Claim.embedding`), and each
process (a Celery worker, a test) holds one `reviews.matching.VectorIndex` built from those rows. Before
every search, `claims_index` catches up on the rows embedded since it last looked, by `Claim.embedded_at`
(indexed), not by id: a claim can be embedded long after claims with higher ids (matching retried, a
sentence promoted), and an id watermark would skip it for good.

Rows are read again from `_OVERLAP` before the last time seen, and only the ids the index does not hold
are fetched: a transaction that stamped `embedded_at` and committed a moment later (or a worker whose
clock is slightly behind) is still caught. So several workers, restarts and new processes all converge on
what the table holds without talking to each other.

The index only proposes candidates. Claims deleted (re-extraction) or demoted since they were added stay
in it, so callers check every id it returns against the table and recompute the similarity from the
stored vectors (`reviews.services.matching`).
"""

from __future__ import annotations

import datetime as dt
import threading

from django.utils import timezone

from reviews.matching import VectorIndex, from_bytes
from reviews.models import Claim, ClaimStatus

# How far back each catch-up reads again (see the module docstring): longer than the short transaction
# that stores a batch of embeddings, plus clock skew between workers.
_OVERLAP = dt.timedelta(seconds=60)
_BATCH = 5_000

_lock = threading.Lock()
_index: VectorIndex | None = None
_seen_until: dt.datetime | None = None


def claims_index() -> VectorIndex:
    """The process-wide index, brought up to date with every check-worthy claim embedded so far.
    The first call reads every embedded claim; later calls read the recent ones."""
    global _index, _seen_until
    with _lock:
        if _index is None:
            _index = VectorIndex()
        started = timezone.now()
        rows = Claim.objects.filter(status=ClaimStatus.CLAIM, embedded_at__isnull=False)
        if _seen_until is not None:
            rows = rows.filter(embedded_at__gte=_seen_until - _OVERLAP)
            # Every id of the overlap, however many: one list and one look-up in the index for them all.
            missing = _index.missing(list(rows.values_list("pk", flat=True)))
            rows = rows.filter(pk__in=missing) if missing else rows.none()
        pending: list[tuple[int, bytes]] = []
        for pk, blob in rows.values_list("pk", "embedding").iterator(chunk_size=_BATCH):
            if blob is not None:
                pending.append((pk, bytes(blob)))
            if len(pending) >= _BATCH:
                _add(_index, pending)
                pending = []
        _add(_index, pending)
        _seen_until = started
        return _index


def _add(index: VectorIndex, rows: list[tuple[int, bytes]]) -> None:
    if rows:
        index.build_from((pk, from_bytes(blob)) for pk, blob in rows)


def claims_index_add(*, vectors: dict[int, bytes]) -> None:
    """Put claims this process has just embedded into its index at once (others catch up by time)."""
    index = claims_index() if _index is None else _index
    _add(index, list(vectors.items()))


def claims_index_reset() -> None:
    """Forget the index (tests; a process whose table was emptied underneath it)."""
    global _index, _seen_until
    with _lock:
        _index, _seen_until = None, None
