"""Django's PostgreSQL backend (psycopg 3), with a cheaper connection health check and timestamp loader.

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection before the first query of every request,
and its PostgreSQL backend does it with a `SELECT 1` round trip: on the reviewers' queue hot path that was
one statement in every eight, each costing the web worker and the server a wake-up.

Here an idle connection is checked locally first. Its socket has nothing to read unless the server sent
something unasked: the server closing the connection (restart, `pg_terminate_backend`, an idle timeout)
always does, with an error message and end-of-file. So a connection whose libpq status is OK, which is idle
outside a transaction and whose socket has nothing to read is usable; anything else gets Django's own
`SELECT 1`, which reads and handles whatever arrived (a parameter-status message or notice passes; a
closed connection fails and Django reconnects). The check cannot see a peer that vanished without closing
the connection, but neither can `SELECT 1` before its TCP timeout.
"""

from __future__ import annotations

import datetime as dt
import select
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import adapt, pq
from psycopg.abc import AdaptContext


class UtcTimestamptzLoader(BaseTzLoader):
    """Django's timestamptz loader for connections in UTC (USE_TZ, the default database TIME_ZONE),
    parsing the server's text with `datetime.fromisoformat` (C) instead of psycopg's regular expression:
    Django's loader subclasses psycopg's pure-Python one, and loading timestamps (and setting up a loader
    for every statement that returns some) was about a twentieth of the reviewers' hot path's CPU.

    Returns what Django's loader returns: an aware datetime in `datetime.timezone.utc`. Anything else
    the server may send (another offset, "infinity", BC dates, another DateStyle) goes to Django's
    loader, set up on first use."""

    timezone = dt.UTC

    def __init__(self, oid: int, context: AdaptContext | None = None):
        adapt.Loader.__init__(self, oid, context)  # not TimestamptzLoader's: that work is for the fallback
        self._context = context
        self._fallback: BaseTzLoader | None = None

    def load(self, data: Any) -> dt.datetime:
        text = bytes(data)
        if text.endswith(b"+00"):
            try:
                return dt.datetime.fromisoformat(text.decode())
            except ValueError:
                pass
        if self._fallback is None:
            self._fallback = _DjangoUtcLoader(self.oid, self._context)
        return self._fallback.load(data)


class _DjangoUtcLoader(BaseTzLoader):
    timezone = dt.UTC


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        context = params.get("context")
        if context is not None and self.timezone == dt.UTC:
            context = adapt.AdaptersMap(context)
            context.register_loader("timestamptz", UtcTimestamptzLoader)
            params["context"] = context
        return params

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed:
            return False
        pgconn = conn.pgconn
        if (
            pgconn.status == pq.ConnStatus.OK
            and pgconn.transaction_status == pq.TransactionStatus.IDLE
            and not _readable(pgconn.socket)
        ):
            return True
        return super().is_usable()


def _readable(fd: int) -> bool:
    """Whether the socket has data (or end-of-file) to read right now, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
