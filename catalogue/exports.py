"""Exports of a whole result set, streamed row by row so that memory stays flat however many match."""

import csv

from django.core.serializers.json import DjangoJSONEncoder

COLUMNS = (
    "slug",
    "url",
    "title",
    "date",
    "date_display",
    "summary",
    "source",
    "credit",
    "language",
    "archive",
    "people",
    "places",
    "events",
    "collections",
    "added",
)
RELATIONS = ("people", "places", "events", "collections")
CHUNK = 2000


def documents_for_export(queryset):
    return (
        queryset.select_related("language", "repository")
        .prefetch_related(*RELATIONS)
        .defer("full_text", "search_vector")
        .iterator(chunk_size=CHUNK)
    )


def record(document, absolute_url):
    """One document as plain data; related names in one list each."""
    return {
        "slug": document.slug,
        "url": absolute_url(document.get_absolute_url()),
        "title": document.title,
        "date": document.date or None,
        "date_display": document.date_display,
        "summary": document.summary,
        "source": document.source or None,
        "credit": document.credit or None,
        "language": document.language.name if document.language else None,
        "archive": document.repository.name if document.repository else None,
        **{name: [str(entity) for entity in getattr(document, name).all()] for name in RELATIONS},
        "added": document.added,
    }


class _Echo:
    def write(self, value):
        return value


def csv_rows(documents, absolute_url):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # the mark lets spreadsheets read UTF-8
    for document in documents:
        row = record(document, absolute_url)
        yield writer.writerow(
            [
                "; ".join(row[name]) if name in RELATIONS else ("" if row[name] is None else row[name])
                for name in COLUMNS
            ]
        )


def json_rows(documents, absolute_url):
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    yield "["
    for index, document in enumerate(documents):
        yield ("," if index else "") + "\n" + encoder.encode(record(document, absolute_url))
    yield "\n]\n"
