"""Record ids read from URLs and query strings."""

from __future__ import annotations

_BIGINT_MAX = 2**63 - 1


def record_id(raw: object) -> int | None:
    """`raw` (a URL segment, a query value) as a primary key, or None when it cannot be one.

    Only ASCII digits count: `str.isdigit()` also accepts "²" (which `int()` refuses: a 500 where a 404
    belonged) and "٣" (which `int()` reads as 3). Values past PostgreSQL's bigint are None too, so raw SQL
    never sees them.
    """
    text = str(raw)
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= _BIGINT_MAX else None
