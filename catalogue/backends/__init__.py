"""Everything the catalogue does differently on PostgreSQL and on SQLite, behind one interface.

`database()` gives the implementation for the connection's database, chosen once: full-text match, rank
and highlights, index upkeep, lists of ids in raw SQL, estimated counts, the import's writer lock, a
backup's consistent snapshot and its format (COPY or Django's JSON). No other module of the site asks which
database it runs on; only the benchmark's generator has a PostgreSQL fast path of its own.
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
