"""PostgreSQL connections bind parameters on the server and prepare repeated statements (base settings,
DATABASE_PREPARED_STATEMENTS); the test suite runs with the same options, so every query is checked
under them."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def test_postgres_prepares_repeated_statements() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the demo's SQLite has no prepared statements)")
    assert settings.DATABASES["default"]["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        assert not isinstance(raw, psycopg.ClientCursor)
        for _ in range(3):
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%+ 1%"])
        assert cursor.fetchone()[0] >= 1
