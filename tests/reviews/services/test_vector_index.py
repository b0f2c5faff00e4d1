"""The process's vector index catching up on claims embedded elsewhere (reviews/services/vector_index.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews import matching
from reviews.models import Claim, ClaimStatus
from reviews.services.vector_index import claims_index
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_claims_index")]


def embedded_elsewhere(*, at: dt.datetime, status: str = ClaimStatus.CLAIM) -> Claim:
    """A claim another worker embedded, stamped `at`: its row is written, this process's index not told."""
    vector = np.random.default_rng(7).standard_normal(matching.DIMENSIONS).astype(np.float32)
    return ClaimFactory.create(
        status=status, embedding=matching.to_bytes(vector / np.linalg.norm(vector)), embedded_at=at
    )


def test_the_first_call_reads_every_checkworthy_embedded_claim() -> None:
    old = embedded_elsewhere(at=timezone.now() - dt.timedelta(days=30))
    sentence = embedded_elsewhere(at=timezone.now(), status=ClaimStatus.SENTENCE)
    index = claims_index()
    assert old.pk in index
    assert sentence.pk not in index


def test_a_claim_stamped_before_the_last_catch_up_and_committed_after_it_is_caught() -> None:
    held = embedded_elsewhere(at=timezone.now())
    claims_index()
    # Another worker's transaction stamped these before the catch-up above and committed after it.
    late = embedded_elsewhere(at=timezone.now() - dt.timedelta(seconds=30))
    later = embedded_elsewhere(at=timezone.now() - dt.timedelta(seconds=1))
    index = claims_index()
    assert all(pk in index for pk in (held.pk, late.pk, later.pk))
    assert len(index) == 3


def test_a_catch_up_with_nothing_new_reads_no_vector_again() -> None:
    embedded_elsewhere(at=timezone.now())
    embedded_elsewhere(at=timezone.now())
    assert len(claims_index()) == 2
    with CaptureQueriesContext(connection) as queries:
        assert len(claims_index()) == 2
    # The overlap's ids are read again (they may have committed late); their vectors are not.
    assert not [q for q in queries.captured_queries if "embedding" in q["sql"].split("FROM")[0]]
