"""The vector index claims are searched in, and the byte form vectors are stored in PostgreSQL with.

PostgreSQL is the source of truth (it has no vector extension here): each claim's vector is stored as
bytes in its row (`to_bytes`/`from_bytes`, a BinaryField), and every process keeps a `VectorIndex` in
memory built from those rows and brought up to date by id watermark: `refresh(rows_after)` asks for the
rows with an id above the highest it holds, so several workers, restarts and new processes all converge
on what the table holds without talking to each other. Rows removed or re-embedded under the same id are
`remove`d / `add`ed again by the caller (`add` replaces a key it holds); a caller must still check the
ids a search returns against the table, since another process may have deleted them since.

The graph is usearch's HNSW (Apache-2.0, one wheel, no compiler): a search visits a few thousand
vectors instead of all of them. Vectors are held as int8 (a quarter of float32's memory; for unit
vectors the ranking barely moves: `bench/matching.py` measures recall@10 against exact float32 search,
and docs/benchmarks.md has the figures). Each vector is scaled so that its largest component is 127
before it is rounded (`_int8`): usearch's own cast multiplies by 127, which leaves a unit vector of 384
numbers (components mostly under 0.1) with a handful of levels, and near-duplicates then tie. The cosine
ignores each vector's scale, so nothing else changes. The cosine a search returns is approximate;
`similarity.similarity` recomputes it from the stored float32 vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import onnxruntime  # noqa: F401  # before usearch: the reverse order segfaults on some CPUs (libstdc++ clash)
from usearch.index import Index

from reviews.matching.embedder import DIMENSIONS

__all__ = ["VectorIndex", "from_bytes", "to_bytes"]

_BYTES = DIMENSIONS * 4


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as 1,536 bytes (384 little-endian float32) for a BinaryField."""
    array = np.asarray(vector, dtype="<f4").reshape(-1)
    if array.shape != (DIMENSIONS,):
        raise ValueError(f"expected a vector of {DIMENSIONS} numbers, got {array.size}")
    return array.tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    """The float32 vector `to_bytes` wrote (a fresh, writable array)."""
    raw = bytes(data)
    if len(raw) != _BYTES:
        raise ValueError(f"expected {_BYTES} bytes for a {DIMENSIONS}-number vector, got {len(raw)}")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def _int8(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to a largest absolute component of 127 and rounded to int8 (zero rows stay zero)."""
    peak = np.abs(matrix).max(axis=1, keepdims=True)
    scaled = np.divide(matrix * 127.0, peak, out=np.zeros_like(matrix), where=peak > 0)
    return np.rint(scaled).astype(np.int8)


class VectorIndex:
    """Approximate nearest neighbours by cosine over (integer id, unit vector) pairs, safe to share
    between threads. `watermark` is the highest id ever added: `refresh` asks for rows above it."""

    def __init__(
        self,
        *,
        dimensions: int = DIMENSIONS,
        dtype: str = "i8",
        connectivity: int = 16,
        expansion_add: int = 128,
        # Candidates a search keeps while walking the graph: what recall@10 depends on once the graph
        # is built (bench/matching.py sweeps it; docs/benchmarks.md has the figures at a million claims).
        expansion_search: int = 384,
    ) -> None:
        self.dimensions = dimensions
        self._quantize = _int8 if dtype == "i8" else None
        self._index = Index(
            ndim=dimensions,
            metric="cos",
            dtype=dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )
        self._lock = threading.Lock()
        self.watermark = 0

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, int) and ident >= 0 and bool(self._index.contains(ident))

    @property
    def memory_bytes(self) -> int:
        """What the index holds in memory (vectors and graph), as usearch reports it."""
        return int(self._index.memory_usage)

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add or replace vectors by id. Zero vectors (blank claims) are not added: they match nothing."""
        keys = np.asarray(ids, dtype=np.uint64).reshape(-1)
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(keys), self.dimensions)
        if not len(keys):
            return
        if len(np.unique(keys)) != len(keys):
            raise ValueError("ids must be unique within one add")
        live = np.linalg.norm(matrix, axis=1) > 0
        with self._lock:
            held = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
            if held.any():
                self._index.remove(keys[held])
            if live.any():
                rows = matrix[live] if self._quantize is None else self._quantize(matrix[live])
                self._index.add(keys[live], rows, threads=1)
            self.watermark = max(self.watermark, int(keys.max()))

    def missing(self, ids: Sequence[int]) -> list[int]:
        """The ids of `ids` the index does not hold, in one call rather than one `in` per id."""
        keys = np.asarray(ids, dtype=np.uint64).reshape(-1)
        if not len(keys):
            return []
        with self._lock:
            held = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
        return [int(key) for key in keys[~held]]

    def remove(self, ids: Iterable[int]) -> None:
        keys = np.asarray(list(ids), dtype=np.uint64)
        if not len(keys):
            return
        with self._lock:
            held = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
            if held.any():
                self._index.remove(keys[held])

    def search(
        self, vector: np.ndarray, k: int = 10, *, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]:
        """Up to `k` (id, approximate cosine) pairs, most similar first; ids in `exclude` (the claim's
        own, its article's) are left out and do not use up `k`."""
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        skip = set(exclude)
        if k < 1 or query.shape != (self.dimensions,) or not np.any(query) or not len(self._index):
            return []
        asked = query if self._quantize is None else self._quantize(query.reshape(1, -1))[0]
        with self._lock:
            matches = self._index.search(asked, k + len(skip))
        found = [
            (int(key), float(1.0 - distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
            if int(key) not in skip
        ]
        return found[:k]

    def build_from(self, rows: Iterable[tuple[int, np.ndarray | bytes]], *, batch: int = 10_000) -> int:
        """Add every (id, vector or `to_bytes` bytes) row, in batches; returns how many were read."""
        count = 0
        ids: list[int] = []
        vectors: list[np.ndarray] = []
        for ident, vector in rows:
            ids.append(int(ident))
            vectors.append(from_bytes(vector) if isinstance(vector, bytes | memoryview) else vector)
            if len(ids) >= batch:
                self.add(ids, np.vstack(vectors))
                count += len(ids)
                ids, vectors = [], []
        if ids:
            self.add(ids, np.vstack(vectors))
            count += len(ids)
        return count

    def refresh(self, rows_after: Callable[[int], Iterable[tuple[int, np.ndarray | bytes]]]) -> int:
        """Add the rows `rows_after(watermark)` returns (those with a higher id, in any order); returns how
        many. Call it before searching: one indexed range scan when nothing is new."""
        return self.build_from(rows_after(self.watermark))
