"""The PostgreSQL session settings of factcheck/settings/base.py."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.FACTCHECK_TEST_POSTGRES, reason="a PostgreSQL setting"),
]


def test_scans_start_at_the_first_block() -> None:
    # A search's capped candidates are the first matches in storage order: the same search must find
    # the same rows whichever scan ran before it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone() == ("off",)


def test_no_parallel_workers_unless_configured() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


def test_a_statement_may_carry_more_than_65535_parameters() -> None:
    # Parameters are bound on the client (Django's default): a large `__in` list or bulk_create is one
    # statement of any size. Server-side binding would cap it at PostgreSQL's 65,535 bound parameters
    # (docs/architecture.md, "Prepared statements: tried and not kept").
    from reviews.models import Claim

    assert Claim.objects.filter(pk__in=range(1, 70_001)).count() == 0
