"""SQLite: an FTS5 table beside the documents, ranked with bm25, highlighted with its own functions."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import batched
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL

from .base import MARK_START, MARK_STOP, CatalogueDatabase

if TYPE_CHECKING:
    from zipfile import ZipFile

    from catalogue.search import ParsedQuery

# The FTS5 table made by migration 0002: one row a document, its id as the rowid.
FTS_TABLE = "catalogue_document_fts"
# The FTS5 table made by migration 0019: a row for each text (rowid 2 × its id) and each page's words
# (2 × the page's id + 1), to say where in a document a search's words are.
PASSAGE_TABLE = "catalogue_passage_fts"


def _fts5_expression(groups: list) -> str:
    def phrase(words: tuple[str, ...]) -> str:
        return '"' + " ".join(words) + '"'

    return " AND ".join("(" + " OR ".join(phrase(words) for words in group) + ")" for group in groups)


def _matching_ids(expression: str) -> RawSQL:
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])


class SQLite(CatalogueDatabase):
    vendor = "sqlite"
    join_names = "group_concat({}, ' ')"

    def year_sql(self, column: str) -> str:
        # Doubled: the statement carries parameters, so a lone % would be read as one.
        return f"CAST(strftime('%%Y', {column}) AS integer)"

    def json_lists(self, fields: list[tuple[str, str]], source: str, group: str, order: str) -> str:
        pairs = ", ".join(f"'{key}', {expression}" for key, expression in fields)
        # Rows reach json_group_array in the subquery's order; json() keeps each object JSON on the way out.
        ordered = f"SELECT {group} AS grouped, json_object({pairs}) AS item {source} ORDER BY {group}, {order}"
        return f"SELECT grouped, json_group_array(json(item)) FROM ({ordered}) GROUP BY grouped"

    def match(self, queryset: QuerySet, parsed: ParsedQuery, text: str) -> QuerySet:
        if parsed.excluded:
            excluded = _fts5_expression([[words] for words in parsed.excluded]).replace(" AND ", " OR ")
            queryset = queryset.exclude(id__in=_matching_ids(excluded))
        if not parsed.required and not parsed.fielded:
            return queryset.annotate(search_rank=Value(0.0))
        # A phrase in one part of the document: FTS5's column filter ("title : ...").
        fielded = [f'{part} : "{" ".join(words)}"' for part, words in parsed.fielded]
        expression = " AND ".join(filter(None, [_fts5_expression(parsed.required), *fielded]))
        table = queryset.model._meta.db_table
        # bm25 is lower for better matches; titles weigh most, then names and summary.
        return queryset.filter(id__in=_matching_ids(expression)).annotate(
            search_rank=RawSQL(
                f"(SELECT -bm25({FTS_TABLE}, 10.0, 4.0, 4.0, 1.0) FROM {FTS_TABLE}"
                f" WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id)",
                [expression],
            )
        )

    def highlight_rows(self, ids: list[int], parsed: ParsedQuery, text: str) -> Iterable[tuple[int, str, str]]:
        where, params = self.id_condition("rowid", ids)
        with self.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, highlight({FTS_TABLE}, 0, %s, %s), highlight({FTS_TABLE}, 2, %s, %s)"
                f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND {where}",
                [*(MARK_START, MARK_STOP) * 2, _fts5_expression(parsed.required), *params],
            )
            return cursor.fetchall()

    def passages(self, ids: list[int], text: str, whole: bool = False) -> list[tuple]:
        from catalogue.search import parse

        groups = parse(text).required
        if not groups:
            return []
        expression = _fts5_expression([[words for group in groups for words in group]])
        marked = (
            f"highlight({PASSAGE_TABLE}, 0, %s, %s)" if whole else f"snippet({PASSAGE_TABLE}, 0, %s, %s, ' … ', 30)"
        )
        from catalogue.models import DocumentFile, DocumentText, Language

        where, params = self.id_condition("document", ids)
        files = DocumentFile._meta.db_table
        # What each passage is: a text's kind, language and order; a page's place among its document's scans.
        with self.cursor() as cursor:
            cursor.execute(
                f"SELECT x.document, x.source, x.source_id, x.number, x.marked, coalesce(t.kind, ''), l.name,"
                f" CASE WHEN x.source = 'text' THEN t.\"order\" ELSE x.number + (SELECT coalesce(sum(e.page_count), 0)"
                f" FROM {files} AS e JOIN {files} AS f ON f.id = x.source_id WHERE e.document_id = f.document_id"
                f' AND e.state = \'ready\' AND (e."order", e.id) < (f."order", f.id)) END'
                f" FROM (SELECT document, source, source_id, number, {marked} AS marked FROM {PASSAGE_TABLE}"
                f" WHERE {PASSAGE_TABLE} MATCH %s AND {where}) AS x"
                f" LEFT JOIN {DocumentText._meta.db_table} AS t ON x.source = 'text' AND t.id = x.source_id"
                f" LEFT JOIN {Language._meta.db_table} AS l ON l.id = t.language_id",
                [MARK_START, MARK_STOP, expression, *params],
            )
            return cursor.fetchall()

    def index(self, ids: list[int], names_sql: str, texts: bool = True) -> None:
        from catalogue.models import Document, DocumentFile, DocumentText, FilePage

        self.unindex(ids, texts)
        where, params = self.id_condition("d.id", ids)
        words = (
            f"coalesce((SELECT group_concat(t.body, ' ') FROM {DocumentText._meta.db_table} AS t"
            f" WHERE t.document_id = d.id), '') || ' ' || coalesce((SELECT group_concat(p.text, ' ')"
            f" FROM {FilePage._meta.db_table} AS p JOIN {DocumentFile._meta.db_table} AS f ON f.id = p.file_id"
            f" WHERE f.document_id = d.id), '')"
        )
        with self.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, names, summary, full_text)"
                f" SELECT d.id, d.title, {names_sql}, d.summary, {words}"
                f" FROM {Document._meta.db_table} AS d WHERE {where}",
                params,
            )
            if not texts:
                return
            text_ids, text_params = self.id_condition("t.document_id", ids)
            file_ids, file_params = self.id_condition("f.document_id", ids)
            cursor.execute(
                f"INSERT INTO {PASSAGE_TABLE} (rowid, body, document, source, source_id, number, position)"
                f" SELECT t.id * 2, t.body, t.document_id, 'text', t.id, 0, t.\"order\""
                f" FROM {DocumentText._meta.db_table} AS t WHERE {text_ids}"
                f" UNION ALL SELECT p.id * 2 + 1, p.text, f.document_id, 'page', f.id, p.number, f.\"order\""
                f" FROM {FilePage._meta.db_table} AS p JOIN {DocumentFile._meta.db_table} AS f ON f.id = p.file_id"
                f" WHERE p.text <> '' AND {file_ids}",
                text_params + file_params,
            )

    def unindex(self, ids: list[int], texts: bool = True) -> None:
        with self.cursor() as cursor:
            for chunk in batched(ids, 500):
                where, params = self.id_condition("rowid", chunk)
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE {where}", params)
                if not texts:
                    continue
                # Passages of texts and pages removed since are found by their document (a scan of the table:
                # SQLite is the embedded catalogue, not the million-document one).
                where, params = self.id_condition("document", chunk)
                cursor.execute(f"DELETE FROM {PASSAGE_TABLE} WHERE {where}", params)

    def clear_index(self) -> None:
        with self.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(f"DELETE FROM {PASSAGE_TABLE}")

    def write_backup(self, archive: ZipFile) -> list[dict]:
        from catalogue import backups

        return backups.dump_json(archive)

    def restore_backup(self, archive: ZipFile, parts: list[dict], scratch: str) -> None:
        from catalogue import backups

        backups.load_json(archive, scratch)

    # SQLite lets one writer in at a time by itself, and a transaction's read lock keeps writers waiting
    # until it ends: the writer lock and the snapshot need nothing more.
