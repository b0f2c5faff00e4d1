"""A verdict's search vector is rebuilt on UPDATE only when what it is built from changed.

Migration 0023's trigger rebuilt it on every UPDATE naming the claim, summary or rationale columns, and
Django's `save()` names every column: publishing, correcting or retracting a verdict rebuilt its document
(the claim's text, its citations, three `to_tsvector`) although none of its words had changed. The trigger
is split in two: INSERT as before, UPDATE with a WHEN clause. The clause also fires when the statement
writes a different vector than the stored one: `save()` writes back the vector the Python object holds,
which is stale when the citations changed since it was read (their trigger rebuilt the stored one); the
rebuild then puts the right one back, as the old trigger did.

PostgreSQL only, as 0023.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = r"""
DROP TRIGGER IF EXISTS reviews_verdict_search_vector ON reviews_verdict;
CREATE TRIGGER reviews_verdict_search_vector
    BEFORE INSERT ON reviews_verdict
    FOR EACH ROW EXECUTE FUNCTION reviews_verdict_search_vector();
CREATE TRIGGER reviews_verdict_search_vector_changed
    BEFORE UPDATE OF claim_id, summary, rationale ON reviews_verdict
    FOR EACH ROW
    WHEN (OLD.claim_id IS DISTINCT FROM NEW.claim_id
          OR OLD.summary IS DISTINCT FROM NEW.summary
          OR OLD.rationale IS DISTINCT FROM NEW.rationale
          OR OLD.search_vector IS DISTINCT FROM NEW.search_vector)
    EXECUTE FUNCTION reviews_verdict_search_vector();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS reviews_verdict_search_vector_changed ON reviews_verdict;
DROP TRIGGER IF EXISTS reviews_verdict_search_vector ON reviews_verdict;
CREATE TRIGGER reviews_verdict_search_vector
    BEFORE INSERT OR UPDATE OF claim_id, summary, rationale ON reviews_verdict
    FOR EACH ROW EXECUTE FUNCTION reviews_verdict_search_vector();
"""


def _on_postgres(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0025_worker_stats"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False),
    ]
