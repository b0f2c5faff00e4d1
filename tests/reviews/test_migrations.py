"""The migrated database has the indexes the models declare, where a migration writes its own SQL
(0005 drops four indexes by name instead of letting Django re-create foreign keys)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def index_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [info["columns"] for info in constraints.values() if info["index"] and not info["primary_key"]]


@pytest.mark.parametrize(
    ("table", "column", "composite"),
    [
        ("reviews_reviewtask", "assignee_id", ["assignee_id", "status"]),
        ("reviews_reviewtask", "lease_holder_id", ["lease_holder_id", "status"]),
        ("reviews_reviewtask", "reviewer_id", ["reviewer_id", "status"]),
        ("reviews_verdict", "reviewer_id", ["reviewer_id", "status"]),
    ],
)
def test_user_keys_are_indexed_only_by_their_user_status_index(
    table: str, column: str, composite: list[str]
) -> None:
    indexes = index_columns(table)
    assert [column] not in indexes
    assert composite in indexes


def test_other_foreign_keys_keep_their_index() -> None:
    assert ["claim_id"] in index_columns("reviews_reviewtask")
    assert ["task_id"] in index_columns("reviews_verdict")
