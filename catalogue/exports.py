"""Exports of a whole result set, streamed row by row so that memory stays flat however many match."""

import csv

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, StringAgg, Subquery, TextField, Value

from .dates import PartialDate
from .models import MANY_KINDS, SINGLE_KINDS

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
