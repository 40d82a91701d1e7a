"""The research API: read-only JSON over every public record, under /api/v1/, described by OpenAPI 3.1.

Built on Django Ninja. The document list takes the listing's own parameters, validated by the listing's
own filter (`DocumentFilter`), with the same words in its errors. Lists page by opaque, signed cursors that
continue after the last row's sort key (keyset paging), so the millionth row costs what the first does.
Nothing unpublished is reachable: documents are the published ones, entities the public ones, and a cursor
holds only the sort key of a row that was public when it was issued.
"""

import datetime as dt
import hashlib
import html
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import strip_tags
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.throttling import AnonRateThrottle
from pydantic import create_model

from . import caching, citations, csl, records, tallies
from .clients import client_address
from .filters import ENTITY_FILTERS, MATCH_SUFFIX, SORTS, DocumentFilter
from .jsontext import markup_safe_json
from .listing import ResultSet
from .models import ENTITY_KINDS, Document, DocumentFile, Entity, Event, Language, Person, Place, Topic
from .records import Addresses, api_path

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
CURSOR_SALT = "catalogue.api.cursor"

# Each sort's keyset: (field, descending, nulls last), the same order the listing's SORTS give.
KEYSETS: dict[str, tuple[tuple[str, bool, bool], ...]] = {
    "added": (("added", True, False), ("id", True, False)),
    "date": (("date_start", False, True), ("id", False, False)),
    "-date": (("date_start", True, True), ("id", True, False)),
    "title": (("title", False, False), ("id", False, False)),
    "relevance": (("search_rank", True, False), ("added", True, False), ("id", True, False)),
}


# Problems (RFC 9457) ---------------------------------------------------------------------------------


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    # A problem may repeat what was asked: written so that no browser could read markup in it.
    response = HttpResponse(markup_safe_json(body), status=status, content_type="application/problem+json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class ProblemOut(Schema):
    type: str = Field(description="Always about:blank: the status code says what kind of problem it is.")
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = Field(None, description="For a bad parameter: its name and what is wrong.")


_UNITS = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "hour": "hour", "d": "day"}


def rate_in_words() -> str:
    """CATALOGUE_API_RATE as a reader says it: "600 a minute"."""
    count, unit = settings.CATALOGUE_API_RATE.split("/", 1)
    return f"{int(count):,} a {_UNITS.get(unit, unit)}"


class ClientThrottle(AnonRateThrottle):
    """Requests per client address (read as the admin's login throttle reads it), counted in the cache."""

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_address(request)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read when asked, so that a changed setting applies without a restart of this module.
        self.rate = settings.CATALOGUE_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class CatalogueAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The OpenAPI document, with errors described as what they are: problem details (RFC 9457)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if str(status).startswith("4") and "application/json" in answer.get("content", {}):
                        answer["content"] = {"application/problem+json": answer["content"].pop("application/json")}
                    if str(status) == "429":
                        answer["headers"] = {
                            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
                        }
        return schema


api = CatalogueAPI(
    title="Catalogue of historical documents: research API",
    version="1",
    description=(
        "Read-only JSON over every published document and every public person, place, event, collection, "
        "language and archive. The document list takes the same parameters as the site's listing "
        "(`/documents/`). Lists page by cursor: follow `next` until it is null. Errors are RFC 9457 "
        "problem details. See `/api/` on the site for examples."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"defaultModelsExpandDepth": 0}),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


@api.exception_handler(Problem)
def _problem(request, error):
    return problem(error.status, error.title, error.detail, **error.extra)


@api.exception_handler(ValidationError)
def _invalid(request, error):
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in {"query", "path", "filters"}]
        errors.setdefault(".".join(location) or "request", []).append(item.get("msg", "is not valid"))
    return problem(400, "Bad request", "The parameters could not be used.", errors=errors)


@api.exception_handler(Throttled)
def _throttled(request, error):
    wait = max(1, int(error.wait or 1))
    return problem(
        429,
        "Too many requests",
        f"This address has made more requests than the API allows ({rate_in_words()}). "
        f"Try again in {wait} second{'s' if wait != 1 else ''}.",
        headers={"Retry-After": str(wait)},
    )


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem(404, "Not found", str(error) or "There is no such record.")


@api.exception_handler(HttpError)
def _http_error(request, error):
    return problem(error.status_code, "Error", str(error))


# Conditional requests and caching ------------------------------------------------------------------


def conditional(view):
    """Around every operation: the address's rate limit; the public pages' validators (`catalogue.caching`),
    so that a reader's copy still current is a 304 before anything is read; answers kept in the shared
    cache; and cacheable by anyone for a short while."""

    def wrapped(request, *args, **kwargs):
        # Every request that reaches an app server counts against the address's allowance, answered from the
        # shared cache or not (one a front cache answers costs the servers nothing, and is not counted).
        throttle = ClientThrottle(settings.CATALOGUE_API_RATE)
        if not throttle.allow_request(request):
            return _throttled(request, Throttled(wait=throttle.wait()))
        etag, modified, digest = caching.validators(request)
        current = caching.unchanged(request, etag, modified)
        if current is not None:
            return caching.mark_public(current, etag, modified, max_age=settings.CATALOGUE_API_MAX_AGE)
        # Answers are kept in the shared cache as public pages are, under the catalogue version and the URL;
        # not the pages of a walk by cursor, which one client reads once.
        key = None if "cursor" in request.GET else f"api:{digest}"
        kept = cache.get(key) if key else None
        if kept is not None:
            response = caching.for_front_caches(caching.kept_response(kept), modified)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if key:
                caching.keep(key, response)
                caching.for_front_caches(response, modified)
        return caching.mark_public(response, etag, modified, max_age=settings.CATALOGUE_API_MAX_AGE)

    return wrapped


# Cursors ------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return {"t": "datetime" if isinstance(value, dt.datetime) else "date", "v": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return (dt.datetime if value.get("t") == "datetime" else dt.date).fromisoformat(value["v"])
    return value


def fingerprint(params: dict[str, list[str]]) -> str:
    """What a cursor belongs to: the list's parameters other than the cursor and the limit."""
    kept = sorted((name, sorted(values)) for name, values in params.items() if name not in {"cursor", "limit"})
    return hashlib.blake2b(repr(kept).encode(), digest_size=8).hexdigest()


def make_cursor(kind: str, params: dict[str, list[str]], after: list[Any]) -> str:
    return signing.dumps(
        {"k": kind, "f": fingerprint(params), "a": [_plain(v) for v in after]}, salt=CURSOR_SALT, compress=True
    )


def read_cursor(cursor: str, kind: str, params: dict[str, list[str]], width: int) -> list[Any]:
    try:
        state = signing.loads(cursor, salt=CURSOR_SALT)
        after = [_typed(value) for value in state["a"]]
        valid = state["k"] == kind and len(after) == width
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        valid = False
    if not valid:
        raise Problem(
            400, "Bad request", "The cursor is not one this list gave out.", errors={"cursor": ["is not valid"]}
        )
    if state["f"] != fingerprint(params):
        raise Problem(
            400,
            "Bad request",
            "The cursor belongs to a list with other parameters: keep them as they were, or start again.",
            errors={"cursor": ["belongs to other parameters"]},
        )
    return after


def after_condition(keyset: tuple[tuple[str, bool, bool], ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order `keyset` gives (nulls last where marked).

    The first field's bound is also stated on its own (not after, and not before, `values`), so that the
    database starts its index scan there instead of filtering from the first row.
    """
    (first, descending, nulls_last), value = keyset[0], values[0]
    bound = (
        Q(**{f"{first}__isnull": True}) if value is None else Q(**{f"{first}__{'lte' if descending else 'gte'}": value})
    )
    if value is not None and nulls_last:
        bound |= Q(**{f"{first}__isnull": True})
    return bound & _strictly_after(keyset, values)


def _strictly_after(keyset: tuple[tuple[str, bool, bool], ...], values: list[Any]) -> Q:
    condition = Q(pk__in=[])
    equal = Q()
    for (field, descending, nulls_last), value in zip(keyset, values, strict=True):
        if value is None:
            # After a null (nulls last), only more nulls follow, ordered by the next fields.
            equal &= Q(**{f"{field}__isnull": True})
            continue
        later = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
        if nulls_last:
            later |= Q(**{f"{field}__isnull": True})
        condition |= equal & later
        equal &= Q(**{field: value})
    return condition


def params_of(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in request.GET}


def next_url(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# Schemas ---------------------------------------------------------------------------------------------


class EntityBrief(Schema):
    """A tag of a document in a list: enough to follow it (its API record is /api/v1/<kind>/<slug>/)."""

    id: int
    slug: str
    name: str


class EntityRef(Schema):
    id: int
    slug: str
    name: str
    url: str = Field(description="Its page on the site, or the site's listing of its documents.")
    api_url: str


class Total(Schema):
    value: int = Field(description="How many documents match, or the cap when counting stopped there.")
    exact: bool = Field(description="False when there are more than `value` (counting stops at the cap).")


class Links(Schema):
    html: str
    api: str
    bibtex: str
    ris: str
    csl_json: str


class Rights(Schema):
    uri: str = Field(description="A rightsstatements.org statement or a licence.")
    label: str


class DocumentOut(Schema):
    id: int
    slug: str
    title: str
    date: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD as precisely as known; null if undated.")
    date_display: str
    date_start: dt.date | None = Field(description="The first day the date can mean.")
    date_end: dt.date | None = Field(description="The last day the date can mean.")
    creators: list[str]
    summary: str
    source: str | None
    credit: str | None
    rights: Rights | None = Field(None, description="What readers may do with it, where it is stated.")
    added: dt.datetime
    modified: dt.datetime
    links: Links
    # One field per kind of entity, from the registry.
    type: EntityRef | None = Field(None, description="What kind of document it is (telegram, minutes…).")
    language: EntityRef | None = None
    archive: EntityRef | None = None
    people: list[EntityBrief] = []
    organisations: list[EntityBrief] = []
    places: list[EntityBrief] = []
    events: list[EntityBrief] = []
    topics: list[EntityBrief] = []
    collections: list[EntityBrief] = []


class TextOut(Schema):
    id: int
    kind: str | None = Field(description="transcript, translation, or null where it was not recorded.")
    label: str
    language: EntityRef | None = None
    language_tag: str | None = Field(description="The text's BCP 47 language tag, where known.")
    made_by: str | None = None
    made_on: str | None = Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    note: str | None = None
    text: str
    plain_text_url: str


class FileOut(Schema):
    id: int
    label: str
    media_type: str
    size: int = Field(description="In bytes.")
    sha256: str
    pages: int
    state: str = Field(description="queued, processing, ready or failed (the original can still be downloaded).")
    url: str


class Citation(Schema):
    style: str
    label: str
    text: str


class DocumentDetailOut(DocumentOut):
    people: list[EntityRef] = []  # type: ignore[assignment]
    organisations: list[EntityRef] = []  # type: ignore[assignment]
    places: list[EntityRef] = []  # type: ignore[assignment]
    events: list[EntityRef] = []  # type: ignore[assignment]
    topics: list[EntityRef] = []  # type: ignore[assignment]
    collections: list[EntityRef] = []  # type: ignore[assignment]
    texts: list[TextOut] = Field(description="Its transcript and translations, each with who made it.")
    files: list[FileOut] = Field(description="Its original scans (PDF or page images).")
    iiif_manifest: str | None = Field(None, description="Its IIIF Presentation 3.0 manifest, where it has scans.")
    citations: list[Citation]
    csl: dict[str, Any] = Field(description="The document as one CSL-JSON item.")


class DocumentPage(Schema):
    total: Total
    next: str | None = Field(description="The next page's address, or null on the last page.")
    results: list[DocumentOut]


class EntityOut(Schema):
    id: int
    slug: str
    name: str
    document_count: int = Field(description="How many published documents it is on.")
    url: str
    api_url: str
    documents_url: str = Field(description="Its documents, through this API.")
    other_names: list[str] = Field(description="Birth names, other transliterations, names in the original script.")
    same_as: list[str] = Field(description="Its records in authority files (Wikidata, VIAF, GeoNames, LCNAF).")


class PersonOut(EntityOut):
    sort_name: str
    born: int | None
    died: int | None
    note: str


class EventOut(EntityOut):
    start: str | None
    end: str | None
    description: str


class DescribedOut(EntityOut):
    description: str


class PlaceOut(EntityOut):
    latitude: float | None = Field(description="Decimal degrees, north positive; null where not known.")
    longitude: float | None = Field(description="Decimal degrees, east positive; null where not known.")


class TopicOut(DescribedOut):
    broader: str | None = Field(description="The slug of the broader topic it sits under, if any.")


def entity_schema(kind: type[Entity]) -> type[EntityOut]:
    if kind is Person:
        return PersonOut
    if kind is Event:
        return EventOut
    if kind is Place:
        return PlaceOut
    if kind is Topic:
        return TopicOut
    if any(field.name == "description" for field in kind._meta.get_fields()):
        return DescribedOut
    return EntityOut


def entity_page_schema(kind: type[Entity]) -> type[Schema]:
    item = entity_schema(kind)
    results: Any = list[item]  # type: ignore[valid-type]
    return create_model(f"{kind.__name__}Page", __base__=Schema, next=(str | None, None), results=(results, ...))


# Turning records into answers --------------------------------------------------------------------------


def entity_out(request: HttpRequest, entity: Entity) -> dict[str, Any]:
    kind = type(entity)
    addresses = Addresses.of(request)
    data = {
        **addresses.entity(kind, entity.pk, entity.slug, entity.name),
        "document_count": entity.document_count,
        "documents_url": addresses.documents_api(kind, entity.slug),
        "other_names": entity.variants,
        "same_as": entity.same_as,
    }
    if kind is Topic:
        data["broader"] = entity.parent.slug if entity.parent_id else None  # type: ignore[attr-defined]
    for name in entity_schema(kind).model_fields:
        if name not in data:
            value = getattr(entity, name)
            if isinstance(value, Decimal):
                value = float(value)
            data[name] = value if value != "" or name in {"note", "description", "sort_name"} else None
    return data


def json_response(data: Any) -> HttpResponse:
    """The answer as JSON, written straight by orjson: its shape is the declared schema's, which the tests
    (schemathesis among them) hold it to, so it is not validated again on every request."""
    return HttpResponse(records.encode(data), content_type="application/json; charset=utf-8")


# Documents -------------------------------------------------------------------------------------------

# The listing's parameters, one per kind of entity from the registry (each may repeat: tagged with all).
_DOCUMENT_PARAMETERS: dict[str, Any] = {
    "q": (str | None, Field(None, description="Words, “a phrase”, this OR that, -exclude: as the site's search.")),
    **{
        parameter: (
            list[str] | None,
            Field(
                None, description=f"The slug of a {kind.singular()}; repeat to narrow to documents with all of them."
            ),
        )
        for parameter, kind in ENTITY_FILTERS.items()
    },
    **{
        parameter + MATCH_SUFFIX: (
            str | None,
            Field(
                None,
                description=f"all (the default, as is an empty value) or any: documents with all of the chosen "
                f"{kind.plural()}, or with any of them.",
                json_schema_extra={"enum": ["all", "any", ""]},
            ),
        )
        for parameter, kind in ENTITY_FILTERS.items()
    },
    "date_from": (str | None, Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD: documents from then on.")),
    "date_to": (str | None, Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD: documents up to then.")),
    "sort": (
        str | None,
        Field(None, description="relevance (with q), date, -date, title or added (the default without q)."),
    ),
    "limit": (int, Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Documents per page, 1 to {MAX_LIMIT}.")),
    "cursor": (str | None, Field(None, description="From a previous page's `next`.")),
}
DocumentQuery: Any = create_model("DocumentQuery", __base__=Schema, **_DOCUMENT_PARAMETERS)

documents_router = Router(tags=["documents"])


@documents_router.get(
    "/documents/",
    response={200: DocumentPage, 400: ProblemOut, 429: ProblemOut},
    url_name="documents",
    summary="Published documents, filtered and sorted as the listing is",
)
@decorate_view(conditional)
def list_documents(request, filters: Query[DocumentQuery]):  # type: ignore[valid-type]
    limit = filters.limit
    params = params_of(request)
    if set(params) <= {"limit", "cursor"}:
        # The whole catalogue, newest first (a walk through all of it): nothing to check, counted by the tallies.
        sort, documents = "added", Document.objects.published().order_by(*SORTS["added"])
        # As the listing states the kept count (`ResultSet.for_listing`): exact.
        total = {"value": tallies.published_total(), "exact": True}
    else:
        filterset = DocumentFilter(request.GET, queryset=Document.objects.published(), request=request)
        if not filterset.is_valid():
            errors = {field: [str(error) for error in messages] for field, messages in filterset.errors.items()}
            raise Problem(400, "Bad request", "The filters could not be used.", errors=errors)
        sort, documents = filterset.sort_order, filterset.qs
        results = ResultSet.for_listing(documents, limit, filterset)
        # A kept count is exact however large (one entity alone); a search is counted up to the cap.
        capped = results.paginator.capped
        total = {"value": min(results.count, settings.CATALOGUE_COUNT_CAP) if capped else results.count,
                 "exact": not capped}  # fmt: skip
    keyset = KEYSETS[sort]
    if filters.cursor:
        documents = documents.filter(
            after_condition(keyset, read_cursor(filters.cursor, "documents", params, len(keyset)))
        )
    fields = [field for field, _, _ in keyset]
    rows = list(documents.values_list(*fields)[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    position = fields.index("id")
    head = {
        "total": total,
        "next": next_url(request, make_cursor("documents", params, list(rows[-1]))) if more else None,
    }
    return records.list_response(head, records.entries([row[position] for row in rows]), Addresses.of(request).site)


def _reading(request, addresses, document):
    """A document's texts, files and IIIF manifest, for its record."""
    absolute = request.build_absolute_uri
    texts = [
        {
            "id": text.pk,
            "kind": text.kind or None,
            "label": text.label,
            "language": addresses.entity(Language, text.language.pk, text.language.slug, text.language.name)
            if text.language_id
            else None,
            "language_tag": text.lang or None,
            "made_by": text.made_by or None,
            "made_on": text.made_on or None,
            "note": text.note or None,
            "text": text.body,
            "plain_text_url": absolute(reverse("document-text", args=[document.slug, text.pk])),
        }
        for text in document.texts.select_related("language")
    ]
    files = [
        {
            "id": stored.pk, "label": str(stored), "media_type": stored.media_type, "size": stored.size,
            "sha256": stored.sha256, "pages": stored.page_count, "state": stored.state,
            "url": absolute(stored.get_absolute_url()),
        }
        for stored in document.files.all()
    ]  # fmt: skip
    has_pages = any(stored["state"] == DocumentFile.State.READY and stored["pages"] for stored in files)
    manifest = absolute(reverse("iiif-manifest", args=[document.slug])) if has_pages else None
    return {"texts": texts, "files": files, "iiif_manifest": manifest}


@documents_router.get(
    "/documents/{slug}/",
    response={200: DocumentDetailOut, 404: ProblemOut, 429: ProblemOut},
    url_name="document",
    summary="One published document with every public fact",
)
@decorate_view(conditional)
def get_document(request, slug: str):
    document = Document.objects.published().filter(slug=slug).defer("search_vector").first()
    if document is None:
        raise Http404(f"No published document has the slug “{slug}”.")
    addresses = Addresses.of(request)
    (data,) = records.documents_out(addresses, [document.pk], whole=True)
    data |= _reading(request, addresses, document)
    item = citations.csl_item(document, data["links"]["html"])
    data["citations"] = [
        {"style": style.key, "label": str(style.label), "text": html.unescape(strip_tags(csl.render(style, item)))}
        for style in csl.STYLES
    ]
    data["csl"] = item
    return json_response(data)


# Entities: one list and one detail per kind, from the registry -------------------------------------------


def entity_routes(router: Router, kind: type[Entity]) -> None:
    path = api_path(kind)
    page_schema = entity_page_schema(kind)
    item_schema = entity_schema(kind)

    @router.get(
        f"/{path}/",
        response={200: page_schema, 400: ProblemOut, 429: ProblemOut},
        url_name=f"{path}-list",
        summary=f"Public {kind.plural()}, A–Z, each with its number of published documents",
        operation_id=f"list_{path.replace('-', '_')}",
    )
    @decorate_view(conditional)
    def list_entities(
        request,
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Entries per page, 1 to {MAX_LIMIT}."),
        cursor: str | None = Query(None, description="From a previous page's `next`."),
    ):
        params = params_of(request)
        keyset = (("name", False, False), ("id", False, False))
        entities = kind.objects.public().order_by("name", "id")
        if cursor:
            entities = entities.filter(after_condition(keyset, read_cursor(cursor, path, params, 2)))
        rows = list(entities[: limit + 1])
        more, rows = len(rows) > limit, rows[:limit]
        return json_response(
            {
                "next": next_url(request, make_cursor(path, params, [rows[-1].name, rows[-1].pk])) if more else None,
                "results": [entity_out(request, entity) for entity in rows],
            }
        )

    @router.get(
        f"/{path}/{{slug}}/",
        response={200: item_schema, 404: ProblemOut, 429: ProblemOut},
        url_name=f"{path}-detail",
        summary=f"One public {kind.singular()}",
        operation_id=f"get_{path.replace('-', '_')}",
    )
    @decorate_view(conditional)
    def get_entity(request, slug: str):
        entity = kind.objects.public().filter(slug=slug).first()
        if entity is None:
            raise Http404(f"No public {kind.singular()} has the slug “{slug}”.")
        return json_response(entity_out(request, entity))


entities_router = Router(tags=["people, places and other entities"])
for _kind in ENTITY_KINDS:
    entity_routes(entities_router, _kind)

api.add_router("", documents_router)
api.add_router("", entities_router)
