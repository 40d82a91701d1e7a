"""Trigram indexes on the names readers type, for "did you mean" (PostgreSQL's pg_trgm; nothing on SQLite)."""

from django.db import migrations

TABLES = ("catalogue_person", "catalogue_place", "catalogue_event", "catalogue_organisation", "catalogue_topic")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        for column in ("name", "other_names"):
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for column in ("name", "other_names"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0014_types_topics_organisations_names_authorities")]

    operations = [migrations.RunPython(create, drop)]
