import csv
import io
import json

import pytest
from django.db import connection
from django.urls import reverse

from .factories import DocumentFactory

pytestmark = pytest.mark.django_db

LISTING = reverse("catalogue:document-list")
CSV = reverse("catalogue:document-export-csv")
JSON = reverse("catalogue:document-export-json")

FILTERS = [
    {},
    {"person": "wang-ming", "place": "soviet-union"},
    {"q": "Mao -Stalin"},
    {"collection": "conversations-with-mao-zedong", "date_from": "1954", "sort": "date"},
    {"language": "chinese", "sort": "title"},
    {"person": "jawaharlal-nehru", "place": "albania"},
]


def listing_slugs(client, params):
    response = client.get(LISTING, params)
    return [d.slug for d in response.context["paginator"].object_list]


def read_csv(response):
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("params", FILTERS, ids=range(len(FILTERS)))
def test_exports_equal_the_listings_full_result_set(client, sample, params):
    expected = listing_slugs(client, params)
    csv_response = client.get(CSV, params)
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert [row["slug"] for row in read_csv(csv_response)] == expected
    json_response = client.get(JSON, params)
    rows = json.loads(json_response.getvalue())
    assert [row["slug"] for row in rows] == expected


def test_every_match_not_one_page(client, sample):
    rows = read_csv(client.get(CSV, {"person": "wang-ming", "place": "soviet-union"}))
    assert len(rows) == 14


def test_csv_columns_and_values(client, sample, facts):
    rows = read_csv(client.get(CSV, {"person": "wang-ming", "place": "soviet-union"}))
    assert list(rows[0]) == [
        "slug", "url", "title", "date", "date_display", "creator", "summary", "source", "credit", "type",
        "language", "archive", "people", "places", "events", "organisations", "topics", "collections", "added",
    ]  # fmt: skip
    first = next(d for d in facts["documents"] if d["listing_position"] == 2)
    row = rows[1]
    assert row["title"] == first["title"] and row["date_display"] == first["date_display"]
    assert row["summary"] == first["summary"]
    assert row["credit"] == first["credit"]
    assert row["creator"] == ""  # not known in the sample: left blank
    assert "Sidney Rittenberg" in row["people"].split("; ")
    assert row["url"].startswith("http://testserver/documents/")


def test_json_keeps_unknown_values_null(client, sample):
    rows = json.loads(client.get(JSON, {"person": "kim-il-sung"}).getvalue())
    meeting = next(r for r in rows if r["title"].startswith("Record of a Meeting"))
    assert meeting["source"] is None and meeting["credit"] is None
    assert "Kim Il Sung" in meeting["people"]


def test_drafts_never_exported(client, draft):
    for url in (CSV, JSON):
        body = client.get(url).getvalue().decode()
        assert draft.title not in body
        body = client.get(url, {"person": "wang-ming", "q": "secret draft"}).getvalue().decode()
        assert draft.title not in body


def test_a_small_export_is_answered_whole_and_kept_a_large_one_is_streamed(client, sample, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogue import exports

    seed = {"person": "wang-ming", "place": "soviet-union"}
    small = client.get(CSV, seed)
    assert not small.streaming and int(small["Content-Length"]) == len(small.content)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(CSV, seed)
    assert again.content == small.content and len(captured) == 1  # the catalogue's version: the file was kept
    # Past the limit, the same file is streamed as it is read, and not kept.
    monkeypatch.setattr(exports, "WHOLE_BYTES", 1000)
    for url in (CSV, JSON):
        streamed = client.get(url, {**seed, "sort": "date"})
        assert streamed.streaming and "Content-Length" not in streamed
        text = streamed.getvalue().decode("utf-8-sig")  # read to the end, as a client does
        rows = json.loads(text) if url == JSON else list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 14
    again = client.get(CSV, {**seed, "sort": "date"})
    assert again.streaming, "a streamed export was kept"
    again.getvalue()


@pytest.mark.parametrize(
    "params",
    [
        {"person": "nobody"},
        {"date_from": "1956-13"},
        {"q": "*"},
        {"sort": "sideways"},
        {"date_from": "1960", "date_to": "1950"},
    ],
)
def test_bad_export_filters_are_400_with_a_reason(client, sample, params):
    for url in (CSV, JSON):
        response = client.get(url, params)
        assert response.status_code == 400
        assert response.json()["fields"]


def test_listing_links_to_its_exports(client, sample):
    from .helpers import html

    page = html(client.get(LISTING, {"person": "wang-ming", "place": "soviet-union", "page": 2}))
    links = [a["href"] for a in page.select(".exports a")]
    assert links == [f"{CSV}?person=wang-ming&place=soviet-union", f"{JSON}?person=wang-ming&place=soviet-union"]


def test_csv_cells_never_run_as_spreadsheet_formulas(client, sample):
    from catalogue.models import Document

    document = Document.objects.published().first()
    Document.objects.filter(pk=document.pk).update(
        title='=HYPERLINK("http://evil.example","x")', summary="+1+2", source="@SUM(A1)", credit="-3"
    )
    body = client.get(CSV).getvalue().decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(body)) if r["slug"] == document.slug)
    assert row["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert (row["summary"], row["source"], row["credit"]) == ("'+1+2", "'@SUM(A1)", "'-3")
    # JSON is data, not a spreadsheet: it keeps the text exactly.
    records = json.loads(client.get(JSON).getvalue())
    record = next(r for r in records if r["slug"] == document.slug)
    assert record["summary"] == "+1+2"


def test_an_export_whose_query_fails_sends_no_success_status(client, sample, monkeypatch):
    from django.db import OperationalError

    from catalogue import exports

    def unreachable(*args, **kwargs):
        def rows():
            raise OperationalError("the database is down")
            yield  # pragma: no cover

        return rows()

    # Both ways of reading: row by row (SQLite), and PostgreSQL's COPY.
    monkeypatch.setattr(exports, "documents_for_export", unreachable)
    monkeypatch.setattr(exports, "_copy", unreachable)
    for export in (CSV, JSON):
        response = client.get(export)
        assert response.status_code == 503
        assert "Retry-After" in response


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("params", [*FILTERS, {"q": "awkward"}], ids=range(len(FILTERS) + 1))
def test_the_database_writes_the_same_bytes_as_the_row_by_row_export(rf, sample, params):
    from catalogue import exports
    from catalogue.filters import DocumentFilter
    from catalogue.models import Document, EntryNames, Language, Person

    # Every cell a writer could get wrong: quotes, separators, line ends, formula signs, backslashes, other
    # scripts, names that sort differently by code point and by dictionary, a date of each precision.
    awkward = [
        Person.objects.create(name=name, slug=f"awkward-{index}", sort_name=name)
        for index, name in enumerate(
            ['zhou, "enlai"', "Zhou", "émile", "=cmd|' /C calc'!A0", "王明", "b\\n", "record\x1eseparator"]
        )
    ]
    for index, date in enumerate(["1956-02-14", "1956-02", "0956", ""]):
        DocumentFactory(
            published=True,
            title=f'Awkward {index}: "quoted", comma; line\nbreak\r\nand \\backslash\\ -minus',
            summary="" if index else "@sum\tmary",
            date=date,
            creator=["", "Mao Zedong; =Zhou Enlai", "Ван Мин", "+x"][index],
            source=["", "a,b", '"q"', "\\"][index],
            language=Language.objects.first() if index % 2 else None,
            people=awkward[index:],
        )
    request = rf.get("/documents/", params)
    queryset = DocumentFilter(params or None, queryset=Document.objects.published(), request=request).qs
    prefix = "http://testserver/documents/"

    def text(chunks):
        return b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in chunks)

    def same_bytes():
        for copy, python in ((exports.copy_csv, exports.csv_rows), (exports.copy_json, exports.json_rows)):
            database = text(copy(queryset, prefix))
            row_by_row = text(python(exports.documents_for_export(queryset), prefix))
            assert database == row_by_row

    # The names kept for the exports are read (but not for the document whose names hold their separator),
    # and without them the names are gathered from the links: the same bytes all three ways.
    kept = set(EntryNames.objects.values_list("document_id", flat=True))
    assert kept and kept == set(Document.objects.published().exclude(people=awkward[-1]).values_list("pk", flat=True))
    same_bytes()
    EntryNames.objects.all().delete()
    same_bytes()
    assert queryset.count() > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT compiler")
@pytest.mark.django_db(databases="__all__")
def test_postgresql_is_asked_without_its_jit_compiler():
    """An export's statement was compiled for seconds before it ran (its joins estimated at 10^24 rows): the
    catalogue's connections, to the primary and to replicas, turn the compiler off."""
    from django.conf import settings
    from django.db import connections

    for alias in settings.DATABASES:
        with connections[alias].cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",), alias
