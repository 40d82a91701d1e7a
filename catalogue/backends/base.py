"""The interface each database implements (see `catalogue.backends`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet

if TYPE_CHECKING:
    from zipfile import ZipFile

if TYPE_CHECKING:
    from catalogue.search import ParsedQuery

# Markers the database puts around matched words; escaped text cannot contain them.
MARK_START, MARK_STOP = "\ue000", "\ue001"


class CatalogueDatabase:
    vendor: str = ""
    # The aggregate joining a group's texts with a separator, in SQL.
    join_names: str = ""

    # Full-text search ------------------------------------------------------------------------

    def match(self, queryset: QuerySet, parsed: ParsedQuery, text: str) -> QuerySet:
        """Documents of `queryset` matching the (non-empty) parsed query, annotated with `search_rank`."""
        raise NotImplementedError

    def highlight_rows(self, ids: list[int], parsed: ParsedQuery, text: str) -> Iterable[tuple[int, str, str]]:
        """(id, title, summary) for these documents, matched words between the markers."""
        raise NotImplementedError

    def passages(self, ids: list[int], text: str, whole: bool = False) -> list[tuple]:
        """Where in these documents any of the words of `text` are: (document id, "text" or "page", the text's
        or the file's id, the page's number in its file (0 for a text), the words marked, the text's kind, its
        language's name, and its order or the page's place among all the document's scans): the words marked in
        an excerpt of each document's first such passage, or (`whole`) in all of every one."""
        raise NotImplementedError

    def index(self, ids: list[int], names_sql: str, texts: bool = True) -> None:
        """Bring the index up to date for these ids (at most a few hundred); `names_sql` is each one's names;
        `texts` False when their texts and scans are as they were."""
        raise NotImplementedError

    def unindex(self, ids: list[int], texts: bool = True) -> None:
        """Drop these ids from the index (their rows are gone)."""

    def clear_index(self) -> None:
        """Empty the index before it is rebuilt from every document."""

    # JSON built by the database ----------------------------------------------------------------

    def json_lists(self, fields: list[tuple[str, str]], source: str, group: str, order: str) -> str:
        """SQL selecting (`group`, a JSON array as text) for each value of `group`: an object of `fields`
        ((key, SQL expression)) for each of its rows of `source` (FROM ... WHERE ...), in `order`."""
        raise NotImplementedError

    # Statements asked again and again ---------------------------------------------------------

    def execute_kept(self, cursor: Any, sql: str) -> None:
        """Run `sql`, a statement without parameters asked the same way on many requests, on `cursor`: a
        database may plan it once for each connection it keeps."""
        cursor.execute(sql)

    # Lists of ids ----------------------------------------------------------------------------

    def among(self, ids: Iterable[int]) -> Any:
        """A value for `pk__in` naming these ids."""
        return list(ids)

    def id_condition(self, column: str, ids: Iterable[int]) -> tuple[str, list]:
        """(SQL, params) for "column is one of these ids", in raw SQL."""
        ids = list(ids)
        return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids

    def year_sql(self, column: str) -> str:
        """SQL for the year (an integer) of a date column."""
        raise NotImplementedError

    def chosen_ids(self, ids: list[int]) -> tuple[str, list, Callable[[str], tuple[str, list]]]:
        """(prefix SQL, params, condition) for a query that tests many columns against the same ids.

        `condition(column)` gives (SQL, params) testing one column; the prefix is put before the query.
        """
        return "", [], lambda column: self.id_condition(column, ids)

    # Counting --------------------------------------------------------------------------------

    def estimated_count(self, queryset: QuerySet) -> int | None:
        """The planner's estimate of how many rows `queryset` has, or None where there is none to ask."""
        return None

    # Writing ---------------------------------------------------------------------------------

    def lock_writers(self, key: int) -> None:
        """Within a transaction: wait until no other transaction holds `key`, then hold it until commit."""

    def read_one_snapshot(self) -> None:
        """At the start of a new transaction: read everything as of one moment, and write nothing."""

    # Backups ---------------------------------------------------------------------------------

    def write_backup(self, archive: ZipFile) -> list[dict]:
        """Write every table a backup holds into `archive`; return its parts for the manifest."""
        raise NotImplementedError

    def restore_backup(self, archive: ZipFile, parts: list[dict], scratch: str) -> None:
        """Within a transaction: replace the catalogue with the backup's `parts` (already checked)."""
        raise NotImplementedError

    def analyze(self, tables: Iterable[str]) -> None:
        """After a restore has committed: fresh planner statistics for these tables, where there are any."""

    def defer_constraints(self) -> None:
        """Within a transaction: check foreign keys at commit, so that tables can be emptied in any order."""

    def cursor(self) -> Any:
        return connection.cursor()
