"""The full-text index: a GIN index and text search configuration on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

from catalogue import search


def create_index(apps, schema_editor):
    statements = search.POSTGRES_SETUP if schema_editor.connection.vendor == "postgresql" else search.SQLITE_SETUP
    for sql in statements:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    statements = (
        search.POSTGRES_TEARDOWN if schema_editor.connection.vendor == "postgresql" else search.SQLITE_TEARDOWN
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
