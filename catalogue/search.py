"""Full-text search: the one module that knows PostgreSQL from SQLite.

PostgreSQL keeps a weighted `tsvector` on each document (GIN-indexed) in a
text search configuration `catalogue` that folds accents and stems English.
SQLite keeps an FTS5 table (porter stemming, diacritics removed) whose rowid is
the document's id. Both are brought up to date by `update_index()`, which the
signals in `catalogue.signals` call whenever a document, its relations or the
names of what it is tagged with change.

Both read the same query syntax, that of PostgreSQL's `websearch_to_tsquery`:
words (all must match), "quoted phrases", `or` between alternatives, and
`-word` to exclude.
"""

import re
from dataclasses import dataclass, field
from itertools import batched

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import ENTITY_KINDS, Document

CONFIG = "catalogue"
FTS_TABLE = "catalogue_document_fts"
MAX_QUERY_LENGTH = 500

# Markers the database puts around matched words; escaped text cannot contain them.
_START, _STOP = "\ue000", "\ue001"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


def is_postgres():
    return connection.vendor == "postgresql"


def clean(text):
    """Drop control characters (NUL included) and fold runs of white space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


@dataclass
class ParsedQuery:
    """A keyword query read the way `websearch_to_tsquery` reads it."""

    # Each group must match; a group matches if any of its alternatives does.
    # An alternative is a tuple of words that must stand together as a phrase.
    required: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.required and not self.excluded


def parse(text):
    parsed = ParsedQuery()
    joining = False
    for match in _TOKEN.finditer(clean(text)):
        phrase, bare = match.groups()
        negated = False
        if bare is not None:
            if bare.lower() == "or" and parsed.required and not joining:
                joining = True
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            words = tuple(_WORD.findall(bare.replace('"', " ")))
        else:
            words = tuple(_WORD.findall(phrase))
        if not words:
            continue
        if negated:
            parsed.excluded.append(words)
        elif joining:
            parsed.required[-1].append(words)
        else:
            parsed.required.append([words])
        joining = False
    return parsed


def _fts5_expression(groups):
    def phrase(words):
        return '"' + " ".join(words) + '"'

    return " AND ".join("(" + " OR ".join(phrase(words) for words in group) + ")" for group in groups)


def matching(queryset, text):
    """Documents of `queryset` matching `text`, annotated with `search_rank` (higher is better)."""
    parsed = parse(text)
    if parsed.is_empty:
        return queryset.none()
    if is_postgres():
        query = SearchQuery(clean(text), search_type="websearch", config=CONFIG)
        return queryset.filter(search_vector=query).annotate(search_rank=SearchRank(F("search_vector"), query))
    if parsed.excluded:
        excluded = _fts5_expression([[words] for words in parsed.excluded]).replace(" AND ", " OR ")
        queryset = queryset.exclude(
            id__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [excluded])
        )
    if not parsed.required:
        return queryset.annotate(search_rank=Value(0.0))
    expression = _fts5_expression(parsed.required)
    # bm25 is lower for better matches; titles weigh most, then names and summary.
    return queryset.filter(
        id__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
    ).annotate(
        search_rank=RawSQL(
            f"(SELECT -bm25({FTS_TABLE}, 10.0, 4.0, 4.0, 1.0) FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s AND rowid = catalogue_document.id)",
            [expression],
        )
    )


def _marked(text):
    """Escape `text` for HTML, turning the database's match markers into <mark>."""
    if not text:
        return ""
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)


@dataclass
class Highlight:
    title: str
    summary: str
    excerpt: str


def highlights(documents, text):
    """{document id: Highlight} for a page of documents, matched words in <mark>."""
    parsed = parse(text)
    ids = [document.pk for document in documents]
    if not ids or not parsed.required:
        return {}
    if is_postgres():
        query = SearchQuery(clean(text), search_type="websearch", config=CONFIG)
        marks = {"start_sel": _START, "stop_sel": _STOP, "config": CONFIG}
        rows = (
            Document.objects.filter(pk__in=ids)
            .annotate(
                title_hl=SearchHeadline("title", query, highlight_all=True, **marks),
                summary_hl=SearchHeadline("summary", query, highlight_all=True, **marks),
                excerpt_hl=SearchHeadline(
                    "full_text",
                    query,
                    max_fragments=2,
                    max_words=30,
                    min_words=12,
                    fragment_delimiter=" … ",
                    **marks,
                ),  # fmt: skip
            )
            .values_list("pk", "title_hl", "summary_hl", "excerpt_hl", "full_text")
        )
        return {
            pk: Highlight(_marked(title), _marked(summary), _marked(excerpt) if _START in excerpt else "")
            for pk, title, summary, excerpt, full_text in rows
        }
    expression = _fts5_expression(parsed.required)
    placeholders = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, highlight({FTS_TABLE}, 0, %s, %s), highlight({FTS_TABLE}, 2, %s, %s),"
            f" snippet({FTS_TABLE}, 3, %s, %s, ' … ', 30)"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})",
            [_START, _STOP, _START, _STOP, _START, _STOP, expression, *ids],
        )
        return {
            pk: Highlight(_marked(title), _marked(summary), _marked(excerpt) if _START in excerpt else "")
            for pk, title, summary, excerpt in cursor.fetchall()
        }


def _names_sql(kind):
    """SQL for the names of one kind of entity on the document `d`, space-separated ('' for none)."""
    aggregate = "string_agg(e.name, ' ')" if is_postgres() else "group_concat(e.name, ' ')"
    if not kind.many():
        return f"coalesce((SELECT e.name FROM {kind._meta.db_table} AS e WHERE e.id = d.{kind.document_column()}), '')"
    return (
        f"coalesce((SELECT {aggregate} FROM {kind.link_model()._meta.db_table} AS r"
        f" JOIN {kind._meta.db_table} AS e ON e.id = r.{kind.link_column()} WHERE r.document_id = d.id), '')"
    )


def _all_names_sql():
    """SQL for every searched name on the document `d` (the kinds whose `names_searched` is set)."""
    return " || ' ' || ".join(_names_sql(kind) for kind in ENTITY_KINDS if kind.names_searched)


def vector_sql(title, names, summary, full_text):
    """The PostgreSQL expression for a document's weighted search vector, from SQL expressions for its parts."""
    return (
        f"setweight(to_tsvector('{CONFIG}', {title}), 'A')"
        f" || setweight(to_tsvector('{CONFIG}', {names}), 'B')"
        f" || setweight(to_tsvector('{CONFIG}', {summary}), 'B')"
        f" || setweight(to_tsvector('{CONFIG}', {full_text}), 'C')"
    )


def update_index(document_ids):
    """Bring the search index up to date for these documents (any that no longer exist are dropped)."""
    ids = sorted({int(pk) for pk in document_ids if pk is not None})
    with connection.cursor() as cursor:
        for chunk in batched(ids, 500):
            chunk = list(chunk)
            if is_postgres():
                cursor.execute(
                    "UPDATE catalogue_document AS d SET search_vector = "
                    + vector_sql("d.title", _all_names_sql(), "d.summary", "d.full_text")
                    + " WHERE d.id = ANY(%s)",
                    [chunk],
                )
                continue
            placeholders = ", ".join("%s" for _ in chunk)
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", chunk)
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, names, summary, full_text)"
                f" SELECT d.id, d.title, {_all_names_sql()}, d.summary, d.full_text"
                f" FROM catalogue_document AS d WHERE d.id IN ({placeholders})",
                chunk,
            )


def remove_from_index(document_ids):
    if is_postgres():
        return  # the vector lives and dies with the row
    ids = [int(pk) for pk in document_ids]
    with connection.cursor() as cursor:
        for chunk in batched(ids, 500):
            placeholders = ", ".join("%s" for _ in chunk)
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", list(chunk))


def rebuild_index():

    ids = list(Document.objects.values_list("pk", flat=True))
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    update_index(ids)
    return len(ids)


# The index structures as migration 0002 creates them (the generator drops and rebuilds the GIN index).
POSTGRES_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION {CONFIG}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS document_search_vector ON catalogue_document USING gin (search_vector)",
]
POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS document_search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]
