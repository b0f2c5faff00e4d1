"""factcheck.postgresql: the health check answers from the socket when it can, and from `SELECT 1` when
the server sent something (a closed connection is found either way)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import adapt
from psycopg.pq import Format

from factcheck.postgresql.base import DatabaseWrapper, UtcTimestamptzLoader, _readable

TIMESTAMPTZ_OID = 1184

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def other() -> Iterator[DatabaseWrapper]:
    """A second connection to the test database, opened and idle."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records each time the check falls back to Django's `SELECT 1`."""
    calls: list[bool] = []
    original = django_base.DatabaseWrapper.is_usable

    def spy(self: django_base.DatabaseWrapper) -> bool:
        result = original(self)
        calls.append(result)
        return result

    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable", spy)
    return calls


def _wait_readable(wrapper: DatabaseWrapper) -> None:
    deadline = time.monotonic() + 10
    while not _readable(wrapper.connection.pgconn.socket):
        assert time.monotonic() < deadline, "the server never wrote to the connection"
        time.sleep(0.01)


def test_the_suite_uses_this_backend() -> None:
    assert isinstance(connections["default"], DatabaseWrapper)


def test_idle_connection_is_usable_without_a_round_trip(
    other: DatabaseWrapper, round_trips: list[bool]
) -> None:
    assert other.is_usable() is True
    assert round_trips == []


def test_connection_closed_by_the_server_is_not_usable(
    other: DatabaseWrapper, round_trips: list[bool]
) -> None:
    pid = other.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    _wait_readable(other)

    assert other.is_usable() is False
    assert round_trips == [False]


def test_unasked_message_falls_back_to_select_1(other: DatabaseWrapper, round_trips: list[bool]) -> None:
    with other.cursor() as cursor:
        cursor.execute("LISTEN factcheck_health_test")
    # The notification leaves at commit: sent from a third connection in autocommit mode, not from the
    # test's own (pytest-django keeps it inside a transaction).
    sender = connections.create_connection("default")
    try:
        with sender.cursor() as cursor:
            cursor.execute("SELECT pg_notify('factcheck_health_test', 'hello')")
    finally:
        sender.close()
    _wait_readable(other)

    assert other.is_usable() is True
    assert round_trips == [True]


def test_connection_inside_a_transaction_falls_back_to_select_1(
    other: DatabaseWrapper, round_trips: list[bool]
) -> None:
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")

    assert other.is_usable() is True
    assert round_trips == [True]
    other.rollback()


def test_closed_connection_is_not_usable(other: DatabaseWrapper, round_trips: list[bool]) -> None:
    other.connection.close()
    assert other.is_usable() is False
    assert round_trips == []


# --- timestamps -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"2026-11-21 11:47:26.754089+00",
        b"2026-11-21 11:47:26+00",
        b"2026-11-21 11:47:26.5+00",
        b"0099-01-01 00:00:00+00",
        b"9999-12-31 23:59:59.999999+00",
        b"2026-11-21 17:17:26.754089+05:30",  # another session time zone: Django's loader
    ],
)
def test_timestamps_load_as_djangos_loader_loads_them(text: bytes) -> None:
    conn = connections["default"]
    conn.ensure_connection()
    ours = UtcTimestamptzLoader(TIMESTAMPTZ_OID, conn.connection)
    context = adapt.AdaptersMap(conn.connection.adapters)
    register_tzloader(dt.UTC, context)  # the loader Django registers, built the way Django builds it
    djangos = context.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert djangos is not None
    reference = djangos(TIMESTAMPTZ_OID, conn.connection)
    loaded = ours.load(text)
    assert loaded == reference.load(text)
    assert loaded.tzinfo is dt.UTC
    assert loaded.isoformat() == reference.load(text).isoformat()


def test_what_fromisoformat_cannot_read_is_djangos_loaders_error() -> None:
    conn = connections["default"]
    conn.ensure_connection()
    with pytest.raises(psycopg.DataError, match="infinity"):
        UtcTimestamptzLoader(TIMESTAMPTZ_OID, conn.connection).load(b"infinity")


def test_the_connection_loads_timestamps_with_this_loader() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::timestamptz", [dt.datetime(2026, 11, 21, 11, 47, 26, 754089, tzinfo=dt.UTC)]
        )
        (value,) = cursor.fetchone()
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is UtcTimestamptzLoader
    assert value == dt.datetime(2026, 11, 21, 11, 47, 26, 754089, tzinfo=dt.UTC)
    assert value.tzinfo is dt.UTC
