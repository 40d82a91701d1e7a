"""Everything the catalogue does differently on PostgreSQL and on SQLite, behind one interface.

`database()` gives the implementation for the connection's database, chosen once: full-text match, rank
and highlights, index upkeep, lists of ids in raw SQL, estimated counts, the import's writer lock and a
backup's consistent snapshot. No other module asks which database it runs on, except backups, whose
two formats (COPY and JSON) are the databases' own.
"""

from functools import cache

from django.db import connection

from .base import CatalogueDatabase


@cache
def _implementation(vendor: str) -> CatalogueDatabase:
    if vendor == "postgresql":
        from .postgresql import PostgreSQL

        return PostgreSQL()
    from .sqlite import SQLite

    return SQLite()


def database() -> CatalogueDatabase:
    return _implementation(connection.vendor)
