"""The interface each database implements (see `catalogue.backends`)."""

from django.db import connection

# Markers the database puts around matched words; escaped text cannot contain them.
MARK_START, MARK_STOP = "\ue000", "\ue001"


class CatalogueDatabase:
    vendor = ""
    # The aggregate joining a group's texts with a separator, in SQL.
    join_names = ""

    # Full-text search ------------------------------------------------------------------------

    def match(self, queryset, parsed, text):
        """Documents of `queryset` matching the (non-empty) parsed query, annotated with `search_rank`."""
        raise NotImplementedError

    def highlight_rows(self, ids, parsed, text):
        """(id, title, summary, excerpt) for these documents, matched words between the markers."""
        raise NotImplementedError

    def index(self, ids, names_sql):
        """Bring the index up to date for these ids (at most a few hundred); `names_sql` is each one's names."""
        raise NotImplementedError

    def unindex(self, ids):
        """Drop these ids from the index (their rows are gone)."""

    def clear_index(self):
        """Empty the index before it is rebuilt from every document."""

    # Lists of ids ----------------------------------------------------------------------------

    def among(self, ids):
        """A value for `pk__in` naming these ids."""
        return list(ids)

    def id_condition(self, column, ids):
        """(SQL, params) for "column is one of these ids", in raw SQL."""
        return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)

    def chosen_ids(self, ids):
        """(prefix SQL, params, condition) for a query that tests many columns against the same ids.

        `condition(column)` gives (SQL, params) testing one column; the prefix is put before the query.
        """
        return "", [], lambda column: self.id_condition(column, ids)

    # Counting --------------------------------------------------------------------------------

    def estimated_count(self, queryset):
        """The planner's estimate of how many rows `queryset` has, or None where there is none to ask."""
        return None

    # Writing ---------------------------------------------------------------------------------

    def lock_writers(self, key):
        """Within a transaction: wait until no other transaction holds `key`, then hold it until commit."""

    def read_one_snapshot(self):
        """At the start of a new transaction: read everything as of one moment, and write nothing."""

    def cursor(self):
        return connection.cursor()
