"""factcheck.postgresql: the health check answers from the socket when it can, and from `SELECT 1` when
the server sent something (a closed connection is found either way)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base

from factcheck.postgresql.base import DatabaseWrapper, _readable

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
