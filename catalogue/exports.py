"""Exports of a whole result set, streamed so that memory stays flat however many match.

On PostgreSQL the database writes the file itself: one `COPY (SELECT ...) TO STDOUT` formats every cell
(the names of people, places... read in the same statement from those kept for each published document,
`EntryNames`, or gathered from the links for one without) and the site passes the rows on in batches
(`copy_csv`, `copy_json`). Elsewhere the rows are read through a server-side cursor and written here (`csv_rows`,
`json_rows`). Both give the same bytes, which the tests compare.
"""

import csv
from collections.abc import Iterator
from itertools import batched, chain

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import F, OuterRef, QuerySet, StringAgg, Subquery, TextField, Value

from . import records
from .dates import MONTH_NAMES, PartialDate
from .models import MANY_KINDS, NAMES_BETWEEN_KINDS, NAMES_WITHIN_KIND, SINGLE_KINDS, EntryNames
from .tallies import link

COLUMNS = (
    "slug",
    "url",
    "title",
    "date",
    "date_display",
    "creator",
    "summary",
    "source",
    "credit",
    *(kind.column() for kind in SINGLE_KINDS),
    *(kind.column() for kind in MANY_KINDS),
    "added",
)
RELATIONS = tuple(kind.column() for kind in MANY_KINDS)
# Names within one cell of a relation are joined with this in SQL and split again here.
SEPARATOR = "\x1f"
CHUNK = 2000


def _names(kind):
    """The names of a document's people (places, ...) joined in one string, computed in the query."""
    names = (
        kind.link_model()
        .objects.filter(document=OuterRef("pk"))
        .order_by()
        .values("document")
        .annotate(names=StringAgg(f"{kind.link_field()}__name", Value(SEPARATOR)))
        .values("names")
    )
    return Subquery(names, output_field=TextField())


TEXT = ("slug", "title", "date", "creator", "summary", "source", "credit")
FIELDS = (*TEXT, *(f"{kind.document_field}__name" for kind in SINGLE_KINDS), "added")


def documents_for_export(queryset):
    """Plain rows, one query read through a server-side cursor: no model instances, no per-row queries."""
    return (
        queryset.annotate(**{f"{kind.column()}_names": _names(kind) for kind in MANY_KINDS})
        .values_list(*FIELDS, *(f"{kind.column()}_names" for kind in MANY_KINDS))
        .iterator(chunk_size=CHUNK)
    )


def record(row, url_prefix):
    """One exported document as plain data; related names in one list each."""
    slug, title, date, creator, summary, source, credit, *rest = row
    singles, added, names = rest[: len(SINGLE_KINDS)], rest[len(SINGLE_KINDS)], rest[len(SINGLE_KINDS) + 1 :]
    return {
        "slug": slug,
        "url": f"{url_prefix}{slug}/",
        "title": title,
        "date": date or None,
        "date_display": PartialDate.parse(date).display() if date else "Undated",
        "creator": creator or None,
        "summary": summary,
        "source": source or None,
        "credit": credit or None,
        **{kind.column(): name for kind, name in zip(SINGLE_KINDS, singles, strict=True)},
        **{
            relation: sorted(value.split(SEPARATOR)) if value else []
            for relation, value in zip(RELATIONS, names, strict=True)
        },
        "added": added,
    }


class _Echo:
    def write(self, value):
        return value


# A cell a spreadsheet would read as a formula begins with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as text a spreadsheet shows and never runs: a leading apostrophe before a formula sign."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(documents, url_prefix):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # the mark lets spreadsheets read UTF-8
    for document in documents:
        row = record(document, url_prefix)
        yield writer.writerow(
            [
                spreadsheet_safe(
                    "; ".join(row[name]) if name in RELATIONS else ("" if row[name] is None else row[name])
                )
                for name in COLUMNS
            ]
        )


def json_rows(documents, url_prefix):
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    yield "["
    for index, document in enumerate(documents):
        yield ("," if index else "") + "\n" + encoder.encode(record(document, url_prefix))
    yield "\n]\n"


# An export no larger than this is answered whole (and kept like a page); a larger one is streamed.
WHOLE_BYTES = 1_000_000


def stream(queryset: QuerySet, format: str, url_prefix: str) -> Iterator[str | bytes]:
    """The export of these documents in `format` ("csv" or "json"), as the response sends it."""
    # A queryset known to be empty (`none()`) has no SQL to copy from; the row-by-row path writes its header.
    if connections[queryset.db].vendor == "postgresql" and not queryset.query.is_empty():
        return (copy_csv if format == "csv" else copy_json)(queryset, url_prefix)
    documents = documents_for_export(queryset)
    first = next(documents, None)  # the query runs now, before anything is sent
    documents = chain([first], documents) if first is not None else iter(())
    return (csv_rows if format == "csv" else json_rows)(documents, url_prefix)


# PostgreSQL: the same files, written by the database.

COPY_BATCH = 2000
_MONTHS = "ARRAY[" + ", ".join(f"'{name}'" for name in MONTH_NAMES[1:]) + "]"
# A value a spreadsheet would read as a formula, given its apostrophe (as `spreadsheet_safe`).
_FORMULA = (  # by the first character's code: `ascii`, unlike `left`, makes no string to compare
    "CASE WHEN ascii({0}) IN (" + ", ".join(str(ord(sign)) for sign in FORMULA_STARTS) + ")"
    " THEN '''' || {0} ELSE {0} END"
)
# As `PartialDate.display`: "September 20, 1956", "September 1956", "1956"; "Undated" without a date.
_DATE_DISPLAY = (
    "CASE WHEN length({0}) = 10"
    " THEN ({m})[substr({0}, 6, 2)::int] || ' ' || substr({0}, 9, 2)::int || ', ' || substr({0}, 1, 4)::int"
    " WHEN length({0}) = 7 THEN ({m})[substr({0}, 6, 2)::int] || ' ' || substr({0}, 1, 4)::int"
    " WHEN {0} <> '' THEN substr({0}, 1, 4)::int::text ELSE 'Undated' END"
)
# A time in UTC as Python writes it: str() in CSV; DjangoJSONEncoder's (to the millisecond, "Z") in JSON.
_ADDED_CSV = (
    "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
    " || CASE WHEN to_char({0}, 'US') = '000000' THEN '' ELSE '.' || to_char({0}, 'US') END || '+00:00'"
)
_ADDED_JSON = (
    """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')"""
    " || CASE WHEN to_char({0}, 'US') = '000000' THEN '' ELSE '.' || to_char({0}, 'MS') END || 'Z'"
)
_SINGLES = range(len(TEXT), len(FIELDS) - 1)
_ADDED = f"d.c{len(FIELDS) - 1}"
_CELL = {name: f"d.c{index}" for index, name in enumerate(TEXT)}


def _copy_source(queryset: QuerySet) -> tuple[str, list]:
    """The documents as a query of plain columns c0... (FIELDS, then the id), in the listing's order,
    compiled for the connection the queryset reads from."""
    columns = {f"c{index}": F(name) for index, name in enumerate((*FIELDS, "pk"))}
    sql, params = queryset.values(**columns).query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


# Names in code point order, as Python's sorted() puts them.
_IN_ORDER = 'ORDER BY e.name COLLATE "C"'


def _copy(queryset: QuerySet, select: str, aggregate: str, kept: str, url_prefix: str, options: str = ""):
    """The rows COPY sends for `select` over the documents (`d`, in the listing's order) with the names of
    each many-valued kind (`d.m0`, `d.m1`...), one row at a time; the statement runs at the first.

    A kind's names are read from the document's kept names (`EntryNames`), the text of that kind given to
    `kept` (a format string); a document without kept names has them gathered by `aggregate` from the links
    (over `e`, the entities, in code point order).
    """
    sql, params = _copy_source(queryset)
    document = f"c{len(FIELDS)}"
    kinds = []
    for index, kind in enumerate(MANY_KINDS):
        table, column = link(kind)
        gathered = (
            f"(SELECT {aggregate} FROM {table} AS l JOIN {kind._meta.db_table} AS e ON e.id = l.{column}"
            f" WHERE l.document_id = d.{document})"
        )
        part = f"split_part(d.kept, E'\\x{ord(NAMES_BETWEEN_KINDS):02x}', {index + 1})"
        kinds.append(f"CASE WHEN d.kept IS NULL THEN {gathered} ELSE {kept.format(part)} END AS m{index}")
    kept_names = (
        f"(SELECT k.names FROM {EntryNames._meta.db_table} AS k"
        f" WHERE k.document_id = s.{document} AND k.format = {records.FORMAT}) AS kept"
    )
    # Each layer only adds columns to the rows of the one inside, which come in the listing's order (no join,
    # no sort after its query); OFFSET 0 keeps a layer apart, so that what it works out is worked out once a
    # row however often the layer outside names it.
    statement = (
        f"COPY (SELECT {select} FROM (SELECT d.*, {', '.join(kinds)} FROM (SELECT s.*, {kept_names}"
        f" FROM ({sql}) AS s OFFSET 0) AS d OFFSET 0) AS d) TO STDOUT {options}"
    )
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        params = [url_prefix, *params]  # the address comes first in the statement, the query after
        if connection.queries_logged:  # counted with the other statements where Django counts them
            sql = connection.ops.compose_sql(statement, params)  # type: ignore[attr-defined]  # PostgreSQL's own
            connection.queries_log.append({"sql": sql, "time": "0.000"})
        with cursor.cursor.copy(statement, params) as copy:
            yield from copy


# A kind's kept names with those of one document apart.
_WITHIN = f"E'\\x{ord(NAMES_WITHIN_KIND):02x}'"


def copy_csv(queryset: QuerySet, url_prefix: str) -> Iterator[str | bytes]:
    cells = {
        "slug": _FORMULA.format(_CELL["slug"]),
        "url": "%s || d.c0 || '/'",
        "title": _FORMULA.format(_CELL["title"]),
        "date": _CELL["date"],
        "date_display": _DATE_DISPLAY.format(_CELL["date"], m=_MONTHS),
        **{name: _FORMULA.format(_CELL[name]) for name in ("creator", "summary", "source", "credit")},
        **{kind.column(): _FORMULA.format(f"d.c{i}") for kind, i in zip(SINGLE_KINDS, _SINGLES, strict=True)},
        **{kind.column(): _FORMULA.format(f"d.m{index}") for index, kind in enumerate(MANY_KINDS)},
        "added": _ADDED_CSV.format(_ADDED),
    }
    # An empty cell is NULL to COPY, which writes it bare as Python's csv does (an empty string it would quote).
    select = ", ".join(f"NULLIF({cells[name]}, '')" for name in COLUMNS)
    aggregate = f"string_agg(e.name, '; ' {_IN_ORDER})"
    kept = f"NULLIF(replace({{}}, {_WITHIN}, '; '), '')"
    rows = _copy(queryset, select, aggregate, kept, url_prefix, "WITH (FORMAT csv)")
    first = next(rows, None)  # the query runs before anything is sent
    yield "\ufeff" + csv.writer(_Echo()).writerow(COLUMNS)
    if first is None:
        return
    # COPY ends each row with a line feed; Python's csv, as RFC 4180 asks, with CR LF.
    yield bytes(first[:-1]) + b"\r\n"
    for batch in batched(rows, COPY_BATCH):
        yield b"\r\n".join([row[:-1] for row in batch]) + b"\r\n"


def copy_json(queryset: QuerySet, url_prefix: str) -> Iterator[str | bytes]:
    def text_or_null(cell):
        return f"COALESCE(to_json(NULLIF({cell}, ''))::text, 'null')"

    values = {
        "slug": f"to_json({_CELL['slug']})::text",
        "url": "to_json(%s || d.c0 || '/')::text",
        "title": f"to_json({_CELL['title']})::text",
        "date": text_or_null(_CELL["date"]),
        "date_display": f"to_json({_DATE_DISPLAY.format(_CELL['date'], m=_MONTHS)})::text",
        "creator": text_or_null(_CELL["creator"]),
        "summary": f"to_json({_CELL['summary']})::text",
        "source": text_or_null(_CELL["source"]),
        "credit": text_or_null(_CELL["credit"]),
        **{
            kind.column(): f"COALESCE(to_json(d.c{i})::text, 'null')"
            for kind, i in zip(SINGLE_KINDS, _SINGLES, strict=True)
        },
        **{kind.column(): f"COALESCE(d.m{index}, '[]')" for index, kind in enumerate(MANY_KINDS)},
        "added": f"to_json({_ADDED_JSON.format(_ADDED)})::text",
    }
    # One JSON object a row, keys in the order Python writes them, with Python's separators.
    members = " || ', ' || ".join(f"'\"{name}\": ' || {value}" for name, value in values.items())
    aggregate = f"'[' || string_agg(to_json(e.name)::text, ', ' {_IN_ORDER}) || ']'"
    # Each name as JSON, in the kept order.
    kept = (
        f"(SELECT '[' || string_agg(to_json(u.name)::text, ', ' ORDER BY u.position) || ']'"
        f" FROM unnest(string_to_array(NULLIF({{}}, ''), {_WITHIN})) WITH ORDINALITY AS u(name, position))"
    )
    rows = _copy(queryset, f"'{{' || {members} || '}}'", aggregate, kept, url_prefix)
    first = next(rows, None)  # the query runs before anything is sent
    yield "["
    if first is not None:
        # COPY's text format doubles each backslash, the one character of JSON text it escapes.
        yield b"\n" + bytes(first[:-1]).replace(b"\\\\", b"\\")
        for batch in batched(rows, COPY_BATCH):
            yield b"".join(b",\n" + bytes(row[:-1]).replace(b"\\\\", b"\\") for row in batch)
    yield "\n]\n"
