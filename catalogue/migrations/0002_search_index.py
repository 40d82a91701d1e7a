"""The full-text index: a GIN index and text search configuration on PostgreSQL, an FTS5 table on SQLite.

The SQL is written out here as it was when this migration was made, so that later changes to
`catalogue.search` never change what this step did.
"""

from django.db import migrations

POSTGRES_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'catalogue') THEN
            CREATE TEXT SEARCH CONFIGURATION catalogue (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION catalogue
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS document_search_vector ON catalogue_document USING gin (search_vector)",
]
POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS document_search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS catalogue",
]
SQLITE_SETUP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_document_fts USING fts5("
    "title, names, summary, full_text, tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_TEARDOWN = ["DROP TABLE IF EXISTS catalogue_document_fts"]


def create_index(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_SETUP if postgres else SQLITE_SETUP:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_TEARDOWN if postgres else SQLITE_TEARDOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
