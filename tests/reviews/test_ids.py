"""reviews.ids.record_id: ids from URLs and query strings."""

from __future__ import annotations

import pytest

from reviews.ids import record_id


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0),
        ("42", 42),
        (42, 42),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past PostgreSQL's bigint
        ("", None),
        (None, None),
        ("-1", None),
        ("1.5", None),
        (" 1", None),
        ("abc", None),
        ("\x00", None),
        ("²", None),  # str.isdigit() says yes; int() refuses
        ("٣", None),  # str.isdigit() says yes; int() reads 3
    ],
)
def test_record_id(raw: object, value: int | None) -> None:
    assert record_id(raw) == value
