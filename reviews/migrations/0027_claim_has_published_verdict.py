"""Claims say whether they have a published verdict (`has_published_verdict`), kept by triggers, and a
partial GIN index searches only those claims.

Why: everyone but editors sees a claim only with a published verdict (about one claim in nine in
bench/search.py's data). Asked as an `EXISTS` per claim, a search for such a caller took candidates from
the GIN index over every claim and probed the verdicts for each until it had MAX_RANKED visible ones:
nine times the index entries and heap rows an editor's search reads, the slowest search of all
(docs/benchmarks.md, search). A column can carry an index condition; another table's rows cannot.

Why triggers: verdicts change status through services, the admin, `bulk_create`, COPY (bench/search.py)
and SQL consoles; a trigger keeps every path right. The claim's own BEFORE trigger computes the value
from `reviews_verdict` on every insert and on every UPDATE that names the column, so nothing can store a
wrong one: Django's `save()` names every column and writes back what the Python object holds, which is
stale when a verdict was published since the claim was read. The verdicts' statement-level trigger only
asks the claims whose verdict entered or left `published` to compute it again (one UPDATE per statement:
a COPY of 100,000 verdicts is one UPDATE, not 100,000). The services hold the claim's row lock when they
change its verdict's status, so the UPDATE takes no lock out of the usual order.

PostgreSQL only, as 0023: on SQLite (the demo) the column stays false, no trigger or index is made, and
`Claim.objects.with_published_verdict()` asks with EXISTS there.
"""

from __future__ import annotations

from typing import Any

import django.contrib.postgres.indexes
from django.db import migrations, models

FORWARD = r"""
CREATE FUNCTION reviews_claim_has_published_verdict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.has_published_verdict := EXISTS (
        SELECT 1 FROM reviews_verdict AS v WHERE v.claim_id = NEW.id AND v.status = 'published');
    RETURN NEW;
END $$;

CREATE FUNCTION reviews_verdict_published_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The claim's trigger computes the value; naming the column is what fires it.
    IF TG_OP = 'INSERT' THEN
        UPDATE reviews_claim AS c SET has_published_verdict = c.has_published_verdict
         WHERE c.id IN (SELECT n.claim_id FROM new_verdicts AS n WHERE n.status = 'published');
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE reviews_claim AS c SET has_published_verdict = c.has_published_verdict
         WHERE c.id IN (SELECT o.claim_id FROM old_verdicts AS o WHERE o.status = 'published');
    ELSE
        UPDATE reviews_claim AS c SET has_published_verdict = c.has_published_verdict
         WHERE c.id IN (
             SELECT unnest(ARRAY[o.claim_id, n.claim_id])
               FROM old_verdicts AS o JOIN new_verdicts AS n ON n.id = o.id
              WHERE (o.status = 'published' OR n.status = 'published')
                AND (o.status IS DISTINCT FROM n.status OR o.claim_id IS DISTINCT FROM n.claim_id));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reviews_claim_has_published_verdict
    BEFORE INSERT OR UPDATE OF has_published_verdict ON reviews_claim
    FOR EACH ROW EXECUTE FUNCTION reviews_claim_has_published_verdict();
CREATE TRIGGER reviews_verdict_published_inserted
    AFTER INSERT ON reviews_verdict REFERENCING NEW TABLE AS new_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_verdict_published_changed();
CREATE TRIGGER reviews_verdict_published_updated
    AFTER UPDATE ON reviews_verdict REFERENCING OLD TABLE AS old_verdicts NEW TABLE AS new_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_verdict_published_changed();
CREATE TRIGGER reviews_verdict_published_deleted
    AFTER DELETE ON reviews_verdict REFERENCING OLD TABLE AS old_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_verdict_published_changed();

UPDATE reviews_claim AS c SET has_published_verdict = c.has_published_verdict
 WHERE c.id IN (SELECT v.claim_id FROM reviews_verdict AS v WHERE v.status = 'published');
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS reviews_verdict_published_deleted ON reviews_verdict;
DROP TRIGGER IF EXISTS reviews_verdict_published_updated ON reviews_verdict;
DROP TRIGGER IF EXISTS reviews_verdict_published_inserted ON reviews_verdict;
DROP TRIGGER IF EXISTS reviews_claim_has_published_verdict ON reviews_claim;
DROP FUNCTION IF EXISTS reviews_verdict_published_changed();
DROP FUNCTION IF EXISTS reviews_claim_has_published_verdict();
"""


def _on_postgres(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class AddIndexOnPostgres(migrations.AddIndex):
    """A GIN index: part of the model state everywhere, created on PostgreSQL only (as in 0023)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0026_verdict_search_vector_only_when_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="has_published_verdict",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False),
        AddIndexOnPostgres(
            model_name="claim",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("has_published_verdict", True)),
                fields=["search_vector"],
                name="claim_published_search_idx",
            ),
        ),
    ]
