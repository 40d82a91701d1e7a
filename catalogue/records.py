"""Documents as the research API gives them, and each published document's list entry kept ready.

`documents_out` builds the API's record of documents from the database: one query for their own fields and
single-valued tags, one for the JSON arrays of their many-valued tags. A list page of 500 built that way
spends most of its time on those tags and on Python's work per row, so each published document's entry in
a list is also kept, already encoded, in `DocumentEntry`: a page of a list is then one read of short texts.

A kept entry is written in the same transaction as any change that alters it (`catalogue.upkeep` calls
`keep`: a save, a publication, tags added or removed, an entity renamed or deleted, an import, a merge), so a
list never serves an entry older than what it describes; beside it, written and dropped with it, the names of
the document's many-valued tags are kept for the exports (`EntryNames`). An entry that is missing (after a
restore, a fixture load, or a change of `FORMAT`) is built as the list is read; `fill` writes every missing
one (`manage.py recount` runs it). Addresses in a kept entry start with a stand-in for the site (`SITE`), put
back as the scheme and host of the request that reads it.
"""

import functools
from collections.abc import Iterable
from itertools import batched
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation

from .backends import database
from .dates import PartialDate
from .jsontext import markup_safe_bytes
from .models import (
    ENTITY_KINDS,
    NAMES_BETWEEN_KINDS,
    NAMES_WITHIN_KIND,
    RIGHTS,
    Document,
    DocumentEntry,
    Entity,
    EntryNames,
    Status,
)
from .paging import among
from .replicas import read_connection

RIGHTS_LABELS = dict(RIGHTS)

# The shape of kept entries (and of their names for the exports, `EntryNames`): raise it when `documents_out`
# changes what a list entry holds, and entries of an older shape are built afresh when read (their names
# gathered from the links) until `fill` (run by `manage.py recount`) has rewritten them.
FORMAT = 4
# Stands for the site's scheme and host in kept entries: a NUL, which no text of the catalogue can hold
# (PostgreSQL refuses it and every form rejects it), so that it marks addresses only.
SITE = "\x00"
_SITE_IN_JSON = b'"\\u0000'
# What is kept for each published document, written and dropped together.
KEPT = (DocumentEntry, EntryNames)
BATCH = 500

FIELDS = (
    "id",
    "slug",
    "title",
    "date",
    "date_start",
    "date_end",
    "creator",
    "summary",
    "source",
    "credit",
    "rights",
    "added",
    "modified",
)
SINGLES = tuple(kind for kind in ENTITY_KINDS if not kind.many())
MANY = tuple(kind for kind in ENTITY_KINDS if kind.many())
_SLUG = "__slug__"


def api_path(kind: type[Entity]) -> str:
    """The part of the API's addresses naming a kind: "people", "places"."""
    return kind.plural().replace(" ", "-")


@functools.cache
def _english_path(url_name: str, with_slug: bool = True) -> str:
    """A URL's path in English whatever language is active, up to the slug (reversed once, not per record)."""
    with translation.override(settings.LANGUAGE_CODE):
        if not with_slug:
            return reverse(url_name)
        return reverse(url_name, args=[_SLUG]).removesuffix(f"{_SLUG}/")


class Addresses:
    """The addresses of documents and entities on one site (scheme and host), up to their slugs."""

    def __init__(self, site: str):
        self.site = site
        self.document_page = site + _english_path("catalogue:document-detail")
        self.document_api = site + _english_path("api:document")
        self._kinds: dict[type[Entity], tuple[str, str]] = {}

    @classmethod
    def of(cls, request: Any) -> "Addresses":
        """The addresses on the site a request was made to, worked out once per request."""
        if not hasattr(request, "_addresses"):
            request._addresses = cls(request.build_absolute_uri("/").rstrip("/"))
        return request._addresses

    def prefixes(self, kind: type[Entity]) -> tuple[str, str]:
        """(its page, its API record) for an entity of `kind`, up to its slug."""
        if kind not in self._kinds:
            if kind.detail_url_name:
                page = self.site + _english_path(kind.detail_url_name)
            else:
                page = f"{self.site}{_english_path('catalogue:document-list', False)}?{kind.filter_parameter}="
            self._kinds[kind] = (page, self.site + _english_path(f"api:{api_path(kind)}-detail"))
        return self._kinds[kind]

    def entity(self, kind: type[Entity], pk: int, slug: str, name: str) -> dict[str, Any]:
        page, api_page = self.prefixes(kind)
        return {
            "id": pk,
            "slug": slug,
            "name": name,
            "url": page + slug + ("" if "?" in page else "/"),
            "api_url": f"{api_page}{slug}/",
        }

    def documents_api(self, kind: type[Entity], slug: str) -> str:
        return f"{self.site}{_english_path('api:documents', False)}?{kind.filter_parameter}={slug}"


def _column(model: Any, name: str) -> str:
    return model._meta.get_field(name).column


def _tags(addresses: Addresses, ids: list[int], with_addresses: bool) -> dict[tuple[int, int], str]:
    """{(kind's place in MANY, document id): its entities of that kind as a JSON array}, built by the database
    in one statement over every kind's table of links, each array in the kind's own order; with their
    `url` and `api_url` when `with_addresses` (a list leaves them out: most of its bytes otherwise)."""
    parts, params = [], []
    for number, kind in enumerate(MANY):
        page, api_page = addresses.prefixes(kind)
        link, entity = kind.link_model()._meta.db_table, kind._meta.db_table
        column = _column(kind.link_model(), kind.link_field())
        order = ", ".join(
            f"e.{_column(kind, name.lstrip('-'))}{' DESC' if name.startswith('-') else ''}"
            for name in (str(name) for name in kind._meta.ordering or ("name",))
        )
        fields = [("id", "e.id"), ("slug", "e.slug"), ("name", "e.name")]
        if with_addresses:
            fields += [("url", "%s || e.slug || %s"), ("api_url", "%s || e.slug || '/'")]
            params += [page, "" if "?" in page else "/", api_page]
        condition, id_params = database().id_condition("l.document_id", ids)
        source = f"FROM {link} AS l JOIN {entity} AS e ON e.id = l.{column} WHERE {condition}"
        grouped = database().json_lists(fields, source, "l.document_id", order)
        parts.append(f"SELECT {number}, grouped.* FROM ({grouped}) AS grouped")
        params += id_params
    with read_connection().cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {(number, document): array for number, document, array in cursor.fetchall()}


def documents_out(
    addresses: Addresses, ids: list[int], whole: bool = False, tags: dict[tuple[int, int], str] | None = None
) -> list[dict[str, Any]]:
    """The documents with these ids, in this order, as the API gives them: as in a list, or (`whole`) as one
    record, with its tags' addresses (its texts and files are added by the API's record itself).

    The many-valued tags' JSON arrays, built by the database (or given, as `_tags` gives them), go into the
    answer as they are (orjson fragments).
    """
    if not ids:
        return []
    columns = list(FIELDS)
    columns += [f"{kind.document_field}__{part}" for kind in SINGLES for part in ("id", "slug", "name")]
    rows = {row["id"]: row for row in Document.objects.filter(pk__in=among(ids)).values(*columns)}
    if tags is None:
        tags = _tags(addresses, ids, with_addresses=whole)
    empty = orjson.Fragment(b"[]")
    results = []
    for pk in ids:
        row = rows[pk]
        slug = row["slug"]
        page = f"{addresses.document_page}{slug}/"
        data: dict[str, Any] = {
            "id": pk,
            "slug": slug,
            "title": row["title"],
            "date": row["date"] or None,
            "date_display": PartialDate.parse(row["date"]).display() if row["date"] else "Undated",
            "date_start": row["date_start"],
            "date_end": row["date_end"],
            "creators": [name.strip() for name in row["creator"].split(";") if name.strip()],
            "summary": row["summary"],
            "source": row["source"] or None,
            "credit": row["credit"] or None,
            "rights": {"uri": row["rights"], "label": RIGHTS_LABELS.get(row["rights"], row["rights"])}
            if row["rights"]
            else None,
            "added": row["added"],
            "modified": row["modified"],
            "links": {
                "html": page,
                "api": f"{addresses.document_api}{slug}/",
                "bibtex": f"{page}cite.bib",
                "ris": f"{page}cite.ris",
                "csl_json": f"{page}cite.json",
            },
        }
        for kind in SINGLES:
            field = kind.document_field
            entity = row[f"{field}__id"]
            data[kind.column()] = (
                addresses.entity(kind, entity, row[f"{field}__slug"], row[f"{field}__name"]) if entity else None
            )
        for number, kind in enumerate(MANY):
            found = tags.get((number, pk))
            data[kind.document_field] = orjson.Fragment(found) if found else empty
        results.append(data)
    return results


def encode(data: Any) -> bytes:
    """JSON as the API writes it: by orjson, with no "<", ">" or "&" a browser could read as markup."""
    return markup_safe_bytes(orjson.dumps(data))


def list_response(head: dict[str, Any], entries: list[orjson.Fragment], site: str) -> HttpResponse:
    """A page of a list: `head`'s fields, then `results`, the entries as they are kept (already written safe
    for markup, so only the head is escaped and only the entries' addresses are put on the site)."""
    results = on_site(orjson.dumps(entries), site)
    body = encode(head)[:-1] + b',"results":' + results + b"}"
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def on_site(encoded: bytes, site: str) -> bytes:
    """JSON holding kept entries, with their addresses on `site`."""
    return encoded.replace(_SITE_IN_JSON, b'"' + site.encode())


@functools.cache
def _kept_addresses() -> Addresses:
    return Addresses(SITE)


def _built(ids: list[int], names: dict[int, str] | None = None) -> dict[int, bytes]:
    """The encoded list entries of these documents; with `names`, their names for the exports put in it."""
    tags = _tags(_kept_addresses(), ids, with_addresses=False)
    if names is not None:
        names.update(_export_names(ids, tags))
    return {data["id"]: encode(data) for data in documents_out(_kept_addresses(), ids, tags=tags)}


def _export_names(ids: list[int], tags: dict[tuple[int, int], str]) -> dict[int, str]:
    """{document id: the names of its many-valued tags as `EntryNames` keeps them}, for each document whose
    names can be kept so (none holds a separator)."""
    found = {}
    for pk in ids:
        kinds = [sorted(e["name"] for e in orjson.loads(tags[number, pk])) if (number, pk) in tags else []
                 for number in range(len(MANY))]  # fmt: skip
        if not any(NAMES_WITHIN_KIND in name or NAMES_BETWEEN_KINDS in name for kind in kinds for name in kind):
            found[pk] = NAMES_BETWEEN_KINDS.join(NAMES_WITHIN_KIND.join(kind) for kind in kinds)
    return found


def entries(ids: list[int]) -> list[orjson.Fragment]:
    """The list entries of these published documents, in this order: kept ones read, missing ones built.

    Built ones are not written here: a list is read from a replica, and `keep` and `fill` write them.
    """
    kept: dict[int, str | bytes] = dict(
        DocumentEntry.objects.filter(document_id__in=among(ids), format=FORMAT).values_list("document_id", "body")
    )
    missing = [pk for pk in ids if pk not in kept]
    if missing:
        kept.update(_built(missing))
    return [orjson.Fragment(kept[pk]) for pk in ids]


def keep(document_ids: Iterable[int], published: bool | None = None) -> None:
    """After a change to these documents or to what they are tagged with: their kept entries rewritten (the
    published ones) or dropped (the others), in the caller's transaction. `published` says, when the caller
    knows, whether all of them are published (True) or none (False)."""
    ids = sorted({int(pk) for pk in document_ids if pk is not None})
    if published is False:
        _drop(ids)
        return
    for chunk in batched(ids, BATCH):
        if published:
            _rewrite(list(chunk))
            continue
        published_ids = Document.objects.published().filter(pk__in=among(chunk)).values_list("pk", flat=True)
        published_ids = list(published_ids)
        gone = set(chunk) - set(published_ids)
        if gone:
            _drop(gone)
        _rewrite(published_ids)


def _drop(ids: Iterable[int]) -> None:
    for model in KEPT:
        model.objects.filter(document_id__in=among(ids)).delete()


def _rewrite(ids: list[int]) -> None:
    names: dict[int, str] = {}
    _write(_built(ids, names), names, replace=True)


def fill(progress: Any = None) -> int:
    """Write the entry of every published document that has none of the current shape; drop entries of
    documents no longer published. Returns how many were written.

    An entry written meanwhile by `keep` is left as it is (it is at least as new), so this can run while
    the catalogue is being edited.
    """
    for model in KEPT:
        model.objects.exclude(format=FORMAT).delete()
        model.objects.exclude(document__status=Status.PUBLISHED).delete()
    written, last = 0, 0
    published = Document.objects.published().order_by("pk").values_list("pk", flat=True)
    while True:
        # The published documents a batch at a time, in id order (each batch found from the index, so the
        # last costs what the first does), and of those, the ones without an entry.
        chunk = list(published.filter(pk__gt=last)[:BATCH])
        if not chunk:
            return written
        last = chunk[-1]
        kept = DocumentEntry.objects.filter(document_id__in=among(chunk), format=FORMAT)
        have = set(kept.values_list("document_id", flat=True))
        missing = [pk for pk in chunk if pk not in have]
        names: dict[int, str] = {}
        _write(_built(missing, names), names, replace=False)
        written += len(missing)
        if progress:
            progress(len(chunk))


def _write(bodies: dict[int, bytes], names: dict[int, str], replace: bool) -> None:
    """Entries written (`replace`: over any kept; else only where none is) with their names for the exports."""
    if not bodies:
        return
    rows = [DocumentEntry(document_id=pk, body=body.decode(), format=FORMAT) for pk, body in bodies.items()]
    kept = [EntryNames(document_id=pk, names=text, format=FORMAT) for pk, text in names.items()]
    if replace:
        DocumentEntry.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["document"], update_fields=["body", "format"]
        )
        if unkept := set(bodies) - set(names):  # names that can no longer be kept go, rather than stay as were
            EntryNames.objects.filter(document_id__in=among(unkept)).delete()
        EntryNames.objects.bulk_create(
            kept, update_conflicts=True, unique_fields=["document"], update_fields=["names", "format"]
        )
    else:
        DocumentEntry.objects.bulk_create(rows, ignore_conflicts=True)
        EntryNames.objects.bulk_create(kept, ignore_conflicts=True)


def drop_all() -> None:
    """Every kept entry gone (a restore replaces the documents they describe)."""
    with connection.cursor() as cursor:
        for model in KEPT:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
