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


def test_statements_run_often_are_prepared_on_the_connection() -> None:
    # PostgreSQL parses (and mostly plans) the hot path's statements once per connection, not per request.
    statement = "SELECT count(*) FROM auth_user WHERE id > %s"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(statement, [0])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [statement[:30] + "%"]
        )
        assert cursor.fetchone() == (1,)


def test_a_pooler_that_cannot_keep_prepared_statements_can_turn_them_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from factcheck.settings.base import postgres_session

    monkeypatch.setenv("DATABASE_SERVER_SIDE_BINDING", "false")
    database: dict[str, dict[str, object]] = {"OPTIONS": {}}
    postgres_session(database)
    assert "server_side_binding" not in database["OPTIONS"]
    assert "prepare_threshold" not in database["OPTIONS"]
    monkeypatch.delenv("DATABASE_SERVER_SIDE_BINDING")
    postgres_session(database)
    assert database["OPTIONS"]["server_side_binding"] is True
    assert database["OPTIONS"]["prepare_threshold"] == 5
