"""PostgreSQL: a weighted `tsvector` column with a GIN index, `websearch_to_tsquery`, arrays for id lists."""

from __future__ import annotations

import functools
import hashlib
import json
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from .base import MARK_START, MARK_STOP, CatalogueDatabase

if TYPE_CHECKING:
    from zipfile import ZipFile

    from catalogue.search import ParsedQuery

# The statements prepared on each connection (psycopg's), by name: forgotten with the connection.
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=64)
def _statement_name(sql: str) -> str:
    return "catalogue_" + hashlib.sha256(sql.encode()).hexdigest()[:20]


# The text search configuration made by migration 0002: English stemming, accents folded.
CONFIG = "catalogue"


def id_array(ids: Iterable[int]) -> str:
    """Ids as the text of a PostgreSQL array (`'{1,2,3}'`, cast to bigint[] in the statement): psycopg adapts a
    list of a thousand ints a cell at a time in Python, which costs a page of results a few milliseconds."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def vector_sql(title: str, names: str, summary: str, texts: str) -> str:
    """The weighted search vector of a document, from SQL expressions for its parts (`texts`: a tsvector,
    see `texts_vector_sql`)."""
    return (
        f"setweight(to_tsvector('{CONFIG}', {title}), 'A')"
        f" || setweight(to_tsvector('{CONFIG}', {names}), 'B')"
        f" || setweight(to_tsvector('{CONFIG}', {summary}), 'B')"
        f" || {texts}"
    )


def texts_vector_sql(document: str) -> str:
    """The vector of a document's texts (weight C) and of the words read off its files' pages (D), each in
    its own language's configuration; `document` is the SQL for its id."""
    from catalogue.models import DocumentFile, DocumentText, FilePage

    return (
        f"coalesce((SELECT tsvector_agg(setweight(to_tsvector(t.search_config::regconfig, t.body), 'C'))"
        f" FROM {DocumentText._meta.db_table} AS t WHERE t.document_id = {document}), '')"
        f" || coalesce((SELECT tsvector_agg(setweight(to_tsvector(p.search_config::regconfig, p.text), 'D'))"
        f" FROM {FilePage._meta.db_table} AS p JOIN {DocumentFile._meta.db_table} AS f ON f.id = p.file_id"
        f" WHERE f.document_id = {document}), '')"
    )


# The weight each part of a document has in its search vector (see `vector_sql`).
FIELD_WEIGHTS = {"title": "A", "summary": "B", "full_text": "CD"}


def gin_index_sql() -> str:
    """The GIN index migration 0002 makes; the generator drops it for a large load and builds it again after."""
    from catalogue.models import Document

    return f"CREATE INDEX IF NOT EXISTS document_search_vector ON {Document._meta.db_table} USING gin (search_vector)"


class PostgreSQL(CatalogueDatabase):
    vendor = "postgresql"
    join_names = "string_agg({}, ' ')"

    def _query(self, text: str) -> SearchQuery:
        # Each language's words are stemmed its own way (texts in Russian by Russian rules): the query is
        # read in every configuration the catalogue's languages use, and matches in any of them.
        from catalogue.reading import configs_in_use

        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        for config in configs_in_use():
            if config != CONFIG:
                query = query | SearchQuery(text, search_type="websearch", config=config)
        return query

    def match(self, queryset: QuerySet, parsed: ParsedQuery, text: str) -> QuerySet:
        query = self._query(text) if text else None
        for part, words in parsed.fielded:
            # A phrase in one part of the vector: the part's weight on each word (summary shares B with the
            # names, so it is checked against the summary itself as well, after the index has narrowed).
            phrase = " <-> ".join(f"{word}:{FIELD_WEIGHTS[part]}" for word in words)
            fielded = SearchQuery(phrase, search_type="raw", config=CONFIG)
            query = fielded if query is None else query & fielded
            if part == "summary":
                bare = SearchQuery(" <-> ".join(words), search_type="raw", config=CONFIG)
                queryset = queryset.annotate(summary_vector=SearchVector("summary", config=CONFIG)).filter(
                    summary_vector=bare
                )
        assert query is not None  # a match has words, fielded or not (see `search.matching`)
        # ts_rank is a real; as double precision it reads back exactly, so the API's cursor can continue
        # after a rank it was given (a real printed as text and read as a double is not the same number).
        rank = Cast(SearchRank(F("search_vector"), query), FloatField())
        return queryset.filter(search_vector=query).annotate(search_rank=rank)

    def highlight_rows(self, ids: list[int], parsed: ParsedQuery, text: str) -> Iterable[tuple[int, str, str]]:
        from catalogue.models import Document

        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        return (
            Document.objects.filter(pk__in=ids)
            .annotate(
                title_hl=SearchHeadline(
                    "title", query, highlight_all=True, start_sel=MARK_START, stop_sel=MARK_STOP, config=CONFIG
                ),
                summary_hl=SearchHeadline(
                    "summary", query, highlight_all=True, start_sel=MARK_START, stop_sel=MARK_STOP, config=CONFIG
                ),
            )
            .values_list("pk", "title_hl", "summary_hl")
        )

    def passages(self, ids: list[int], text: str, whole: bool = False) -> list[tuple]:
        from catalogue.models import DocumentFile, DocumentText, FilePage, Language

        options = (
            f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_STOP}"
            if whole
            else f'MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … ", StartSel={MARK_START},'
            f" StopSel={MARK_STOP}"
        )
        query = "websearch_to_tsquery({}.search_config::regconfig, %(words)s)"
        files = DocumentFile._meta.db_table
        # Every text and page the words are in, those of each document in reading order (its texts, then its
        # scans' pages, numbered across its files); an excerpt is drawn (the costly part) only from each
        # document's first, unless the whole of every one is asked for.
        found = (
            f"SELECT t.document_id, 'text' AS source, t.id AS source_id, 0 AS number, t.search_config AS config,"
            f' t.body AS body, t.kind AS kind, l.name AS language, 0 AS part, t."order" AS place, t.id AS tie'
            f" FROM {DocumentText._meta.db_table} AS t LEFT JOIN {Language._meta.db_table} AS l ON l.id = t.language_id"
            f" WHERE t.document_id = ANY(%(ids)s::bigint[])"
            f" AND to_tsvector(t.search_config::regconfig, t.body) @@ {query.format('t')}"
            f" UNION ALL SELECT f.document_id, 'page', f.id, p.number, p.search_config, p.text, '', NULL, 1,"
            f" p.number + (SELECT coalesce(sum(e.page_count), 0) FROM {files} AS e WHERE e.document_id = f.document_id"
            f' AND e.state = \'ready\' AND (e."order", e.id) < (f."order", f.id)), 0'
            f" FROM {FilePage._meta.db_table} AS p JOIN {files} AS f ON f.id = p.file_id"
            f" WHERE f.document_id = ANY(%(ids)s::bigint[]) AND f.state = 'ready'"
            f" AND to_tsvector(p.search_config::regconfig, p.text) @@ {query.format('p')}"
        )
        chosen = found if whole else (
            f"SELECT DISTINCT ON (document_id) * FROM ({found}) AS found ORDER BY document_id, part, place, tie"
        )  # fmt: skip
        sql = (
            f"SELECT c.document_id, c.source, c.source_id, c.number, ts_headline(c.config::regconfig, c.body,"
            f" websearch_to_tsquery(c.config::regconfig, %(words)s), %(options)s), c.kind, c.language, c.place"
            f" FROM ({chosen}) AS c"
        )
        with self.cursor() as cursor:
            cursor.execute(sql, {"words": text, "ids": id_array(ids), "options": options})
            return cursor.fetchall()

    def index(self, ids: list[int], names_sql: str, texts: bool = True) -> None:
        from catalogue.models import Document

        with self.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Document._meta.db_table} AS d SET search_vector = "
                + vector_sql("d.title", names_sql, "d.summary", texts_vector_sql("d.id"))
                + " WHERE d.id = ANY(%s::bigint[])",
                [id_array(ids)],
            )

    # The vector lives and dies with its row: nothing to remove or clear.

    def execute_kept(self, cursor: Any, sql: str) -> None:
        # Prepared once for each kept connection (`DJANGO_CONN_MAX_AGE`): without parameters, PostgreSQL keeps
        # one plan for it, where the landing listing's facets take longer to plan than to run. A connection
        # used for one request only would pay for the preparing and never use it again.
        wrapper = cursor.db
        if not settings.CATALOGUE_PREPARED_STATEMENTS or wrapper.settings_dict.get("CONN_MAX_AGE") == 0:
            cursor.execute(sql)
            return
        name = _statement_name(sql)
        held = _PREPARED.setdefault(wrapper.connection, set())
        if name not in held:
            # Prepared in a transaction that is then rolled back, a statement is still there.
            cursor.execute(f"PREPARE {name} AS {sql}")
            held.add(name)
        cursor.execute(f"EXECUTE {name}")

    def json_lists(self, fields: list[tuple[str, str]], source: str, group: str, order: str) -> str:
        pairs = ", ".join(f"'{key}', {expression}" for key, expression in fields)
        return f"SELECT {group}, json_agg(json_build_object({pairs}) ORDER BY {order})::text {source} GROUP BY {group}"

    def among(self, ids: Iterable[int]) -> Any:
        # Thousands of ids as thousands of parameters cost more to send than to query: one array instead.
        return RawSQL("SELECT unnest(%s::bigint[])", [id_array(ids)])

    def id_condition(self, column: str, ids: Iterable[int]) -> tuple[str, list]:
        return f"{column} = ANY(%s::bigint[])", [id_array(ids)]

    def year_sql(self, column: str) -> str:
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"

    def chosen_ids(self, ids: list[int]) -> tuple[str, list, Callable[[str], tuple[str, list]]]:
        # The ids are sent once, not once a column: with ten thousand of them that is measurably faster.
        def condition(column: str) -> tuple[str, list]:
            return f"{column} = ANY((SELECT ids FROM chosen)::bigint[])", []

        return "WITH chosen(ids) AS (SELECT %s::bigint[]) ", [id_array(ids)], condition

    def estimated_count(self, queryset: QuerySet) -> int | None:
        plan = json.loads(queryset.explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])

    def lock_writers(self, key: int) -> None:
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def write_backup(self, archive: ZipFile) -> list[dict]:
        from catalogue import backups

        return backups.copy_out(archive)

    def restore_backup(self, archive: ZipFile, parts: list[dict], scratch: str) -> None:
        from catalogue import backups

        backups.copy_in(archive, parts)  # kept counts and the search index come with the rows

    def analyze(self, tables: Iterable[str]) -> None:
        # Every row is new: without fresh statistics the planner reads a million documents the slow way
        # until autovacuum comes round (docs/benchmarks.md has the figures).
        with self.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    def defer_constraints(self) -> None:
        with self.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def read_one_snapshot(self) -> None:
        with self.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
