"""Full-text search: a stored tsvector on articles, claims and verdicts, GIN indexes, and the triggers that
keep the vectors current (reviews/selectors_search.py reads them).

Why triggers and not `GeneratedField` or Python: a verdict's vector holds its claim's text and its
citations, other tables, which a generated column cannot read; claims are written by `bulk_create` (and
by COPY in bench/search.py), which no `save()` hook sees; a trigger keeps every write path right,
whoever writes. The ORM cannot declare a trigger, so this migration holds the SQL, once.

PostgreSQL only: on SQLite (the demo) the columns stay NULL, no index or trigger is made, and the selector
searches with LIKE instead. `AddIndexOnPostgres` keeps the GIN indexes in the model state (so
`makemigrations --check` sees them) while creating them on PostgreSQL alone.
"""

from __future__ import annotations

from typing import Any

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations

# Everything is English ('english' regconfig: stemming and stop words), as the extractor is.
FUNCTIONS = r"""
CREATE FUNCTION reviews_article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, concat_ws(' ', NEW.author, NEW.publisher)), 'B');
    RETURN NEW;
END $$;

CREATE FUNCTION reviews_claim_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('english'::regconfig, coalesce(NEW.text, ''));
    RETURN NEW;
END $$;

-- A verdict's document: its claim's text and summary (A), rationale (B), citations (C).
-- Arguments: verdict id, claim id, summary, rationale.
CREATE FUNCTION reviews_verdict_search_document(bigint, bigint, text, text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, concat_ws(' ',
               (SELECT claim.text FROM reviews_claim AS claim WHERE claim.id = $2), $3)), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce($4, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(
               (SELECT string_agg(concat_ws(' ', cit.title, cit.publisher, cit.url), ' '
                                  ORDER BY cit.position, cit.id)
                  FROM reviews_citation AS cit WHERE cit.verdict_id = $1), '')), 'C')
$$;

CREATE FUNCTION reviews_verdict_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := reviews_verdict_search_document(NEW.id, NEW.claim_id, NEW.summary, NEW.rationale);
    RETURN NEW;
END $$;

-- Citations and claim texts are part of verdicts' documents. The services hold the verdict's (and the
-- claim's) row lock when they write these, so the UPDATE takes no lock out of the usual order. Once per
-- statement: a verdict's citations are stored with one INSERT, so its document is rebuilt once.
CREATE FUNCTION reviews_citation_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reviews_verdict AS v
       SET search_vector = reviews_verdict_search_document(v.id, v.claim_id, v.summary, v.rationale)
     WHERE v.id IN (SELECT changed.verdict_id FROM changed_citations AS changed);
    RETURN NULL;
END $$;

CREATE FUNCTION reviews_claim_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reviews_verdict AS v
       SET search_vector = reviews_verdict_search_document(v.id, v.claim_id, v.summary, v.rationale)
     WHERE v.claim_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER reviews_article_search_vector
    BEFORE INSERT OR UPDATE OF title, author, publisher ON reviews_article
    FOR EACH ROW EXECUTE FUNCTION reviews_article_search_vector();
CREATE TRIGGER reviews_claim_search_vector
    BEFORE INSERT OR UPDATE OF text ON reviews_claim
    FOR EACH ROW EXECUTE FUNCTION reviews_claim_search_vector();
CREATE TRIGGER reviews_claim_search_changed
    AFTER UPDATE OF text ON reviews_claim
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text)
    EXECUTE FUNCTION reviews_claim_search_changed();
CREATE TRIGGER reviews_verdict_search_vector
    BEFORE INSERT OR UPDATE OF claim_id, summary, rationale ON reviews_verdict
    FOR EACH ROW EXECUTE FUNCTION reviews_verdict_search_vector();
-- A trigger with transition tables has one event; an update that moved a citation needs both sides.
CREATE TRIGGER reviews_citation_search_inserted
    AFTER INSERT ON reviews_citation REFERENCING NEW TABLE AS changed_citations
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_citation_search_changed();
CREATE TRIGGER reviews_citation_search_updated
    AFTER UPDATE ON reviews_citation REFERENCING NEW TABLE AS changed_citations
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_citation_search_changed();
CREATE TRIGGER reviews_citation_search_moved
    AFTER UPDATE ON reviews_citation REFERENCING OLD TABLE AS changed_citations
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_citation_search_changed();
CREATE TRIGGER reviews_citation_search_deleted
    AFTER DELETE ON reviews_citation REFERENCING OLD TABLE AS changed_citations
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_citation_search_changed();

-- Rows stored before this migration.
UPDATE reviews_article SET title = title;
UPDATE reviews_claim SET search_vector = to_tsvector('english'::regconfig, coalesce(text, ''));
UPDATE reviews_verdict SET search_vector = reviews_verdict_search_document(id, claim_id, summary, rationale);
"""

DROP = r"""
DROP TRIGGER IF EXISTS reviews_article_search_vector ON reviews_article;
DROP TRIGGER IF EXISTS reviews_claim_search_vector ON reviews_claim;
DROP TRIGGER IF EXISTS reviews_claim_search_changed ON reviews_claim;
DROP TRIGGER IF EXISTS reviews_verdict_search_vector ON reviews_verdict;
DROP TRIGGER IF EXISTS reviews_citation_search_inserted ON reviews_citation;
DROP TRIGGER IF EXISTS reviews_citation_search_updated ON reviews_citation;
DROP TRIGGER IF EXISTS reviews_citation_search_moved ON reviews_citation;
DROP TRIGGER IF EXISTS reviews_citation_search_deleted ON reviews_citation;
DROP FUNCTION IF EXISTS reviews_article_search_vector();
DROP FUNCTION IF EXISTS reviews_claim_search_vector();
DROP FUNCTION IF EXISTS reviews_claim_search_changed();
DROP FUNCTION IF EXISTS reviews_verdict_search_vector();
DROP FUNCTION IF EXISTS reviews_citation_search_changed();
DROP FUNCTION IF EXISTS reviews_verdict_search_document(bigint, bigint, text, text);
"""


def _on_postgres(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class AddIndexOnPostgres(migrations.AddIndex):
    """A GIN index: part of the model state everywhere, created on PostgreSQL only."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0022_editors_manage_feeds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="claim",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="verdict",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(_on_postgres(FUNCTIONS), _on_postgres(DROP), elidable=False),
        AddIndexOnPostgres(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_idx"
            ),
        ),
        AddIndexOnPostgres(
            model_name="claim",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="claim_search_idx"),
        ),
        AddIndexOnPostgres(
            model_name="verdict",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="verdict_search_idx"
            ),
        ),
    ]
