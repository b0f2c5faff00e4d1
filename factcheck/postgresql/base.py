"""Django's PostgreSQL backend (psycopg 3), with a cheaper connection health check.

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

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
