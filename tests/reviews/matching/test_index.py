"""The vector index: add (upsert), remove, search with exclusions, bytes round trip, and a refresh by
id watermark that brings a second index (another process) to the same answers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from reviews.matching.index import VectorIndex, from_bytes, to_bytes


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_bytes_round_trip_and_bad_sizes() -> None:
    vector = unit_rows(1)[0]
    blob = to_bytes(vector)
    assert len(blob) == 1536
    assert np.array_equal(from_bytes(blob), vector)
    assert np.array_equal(from_bytes(memoryview(blob)), vector)
    with pytest.raises(ValueError, match="expected 1536 bytes"):
        from_bytes(blob[:-4])
    with pytest.raises(ValueError, match="expected a vector of 384 numbers, got 3"):
        to_bytes(np.zeros(3))


def test_search_finds_each_vector_first_with_its_cosine() -> None:
    rows = unit_rows(500)
    index = VectorIndex()
    index.add(list(range(1, 501)), rows)
    assert len(index) == 500
    assert index.watermark == 500
    for i in (0, 17, 499):
        hits = index.search(rows[i], 5)
        assert hits[0][0] == i + 1
        assert hits[0][1] == pytest.approx(1.0, abs=0.02)  # int8: approximate
        assert len(hits) == 5


def test_add_replaces_and_remove_forgets() -> None:
    rows = unit_rows(3)
    index = VectorIndex()
    index.add([1, 2], rows[:2])
    index.add([1], rows[2:3])  # re-embedded claim 1
    assert len(index) == 2
    assert index.search(rows[2], 1)[0][0] == 1
    index.remove([1, 99])
    assert 1 not in index
    assert 2 in index
    assert [ident for ident, _ in index.search(rows[2], 5)] == [2]


def test_missing_lists_the_ids_not_held_in_one_call() -> None:
    rows = unit_rows(3)
    index = VectorIndex()
    index.add([1, 2, 3], rows)
    index.remove([2])
    assert index.missing([3, 2, 7, 1]) == [2, 7]
    assert index.missing([]) == []


def test_exclude_does_not_use_up_k() -> None:
    rows = unit_rows(50)
    index = VectorIndex()
    index.add(list(range(1, 51)), rows)
    hits = index.search(rows[0], 3, exclude=[1])
    assert len(hits) == 3
    assert 1 not in [ident for ident, _ in hits]


def test_blank_and_bad_queries_find_nothing() -> None:
    index = VectorIndex()
    assert index.search(unit_rows(1)[0], 5) == []  # empty index
    index.add([1, 2], np.vstack([unit_rows(1)[0], np.zeros(384, np.float32)]))
    assert len(index) == 1  # the zero vector (a blank claim) is not added, but its id counts
    assert index.watermark == 2
    assert index.search(np.zeros(384), 5) == []
    assert index.search(np.ones(10), 5) == []
    assert index.search(unit_rows(1)[0], 0) == []
    with pytest.raises(ValueError, match="unique"):
        index.add([3, 3], unit_rows(2))


def test_refresh_by_watermark_converges_two_indexes() -> None:
    """Two processes' indexes fed from one table (here a dict standing for the PostgreSQL rows)."""
    table: dict[int, bytes] = {}

    def rows_after(after: int):
        return [(ident, blob) for ident, blob in sorted(table.items()) if ident > after]

    rows = unit_rows(40, seed=3)
    first, second = VectorIndex(), VectorIndex()
    for i in range(20):
        table[i + 1] = to_bytes(rows[i])
    assert first.refresh(rows_after) == 20
    for i in range(20, 40):
        table[i + 1] = to_bytes(rows[i])
    assert first.refresh(rows_after) == 20
    assert first.refresh(rows_after) == 0
    assert second.refresh(rows_after) == 40  # a process started later builds it all at once
    for i in range(40):
        assert first.search(rows[i], 3) == second.search(rows[i], 3)


def test_concurrent_adds_and_searches() -> None:
    rows = unit_rows(400, seed=5)
    index = VectorIndex()
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for start in range(offset, 400, 40):
                index.add(list(range(start + 1, start + 21)), rows[start : start + 20])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for i in range(200):
                index.search(rows[i], 5)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(0,)),
        threading.Thread(target=writer, args=(20,)),
        threading.Thread(target=reader),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(index) == 400
    assert index.watermark == 400


def test_near_duplicates_rank_as_exact_search_ranks_them() -> None:
    """200 copies of one vector with a little noise (the same claim told again and again): the index's
    top 10 are exact search's, with cosines within 0.002. With usearch's own int8 cast (x 127) the
    copies' cosines are off by about 0.006 and two of the ten are wrong."""
    rng = np.random.default_rng(3)
    base = unit_rows(1, seed=3)[0]
    copies = base + rng.normal(0, 0.03, (200, 384)).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    index = VectorIndex()
    index.add(list(range(1, 201)), copies)
    hits = index.search(base, 10)
    exact = copies @ base
    assert {ident for ident, _ in hits} == set((np.argsort(-exact)[:10] + 1).tolist())
    for ident, cosine in hits:
        assert cosine == pytest.approx(float(exact[ident - 1]), abs=0.002)
