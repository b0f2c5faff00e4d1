"""Fixtures shared by the service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviews.services.vector_index import claims_index_reset


@pytest.fixture
def fresh_claims_index() -> Iterator[None]:
    """The process's vector index starts empty and is dropped afterwards: each test's claims are its own."""
    claims_index_reset()
    yield
    claims_index_reset()
