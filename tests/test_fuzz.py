"""Hostile and random input on every public URL and parameter: never a 5xx, never echoed unescaped."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/documents/",
    "/documents/export.csv",
    "/documents/export.json",
    "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/",
    "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/cite.bib",
    "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/cite.ris",
    "/people/",
    "/people/wang-ming/",
    "/events/",
    "/events/ccp-8th-congress/",
    "/places/",
    "/places/china/",
    "/collections/",
    "/collections/sino-soviet-relations/",
    "/topics/",
    "/topics/china-foreign-relations/",
    "/organisations/",
    "/organisations/chinese-communist-party/",
    "/types/",
    "/types/minutes/",
    "/search/",
    "/about/",
    "/how-to-search/",
    "/api/v1/topics/",
    "/api/v1/topics/china-foreign-relations-india/",
    "/api/v1/document-types/",
    "/api/v1/organisations/chinese-communist-party/",
    "/how-to-cite/",
    "/sitemap-topics.xml",
    "/sitemap-organisations.xml",
    "/sitemap-types.xml",
    "/oai/",
    "/sitemap.xml",
    "/sitemap-documents.xml",
    "/robots.txt",
    "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/cite.json",
    "/api/",
    "/api/v1/documents/",
    "/api/v1/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/",
    "/api/v1/people/",
    "/api/v1/people/wang-ming/",
    "/api/v1/archives/",
    "/api/v1/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/record.pdf",
    "/documents/feed.atom",
    "/documents/feed.rss",
    "/documents/id/1/",
    "/language/",
    "/ru/documents/",
    "/ru/documents/feed.atom",
    "/zh-hans/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/",
    "/zh-hans/selection/",
    "/selection/",
    "/selection/export.csv",
    "/selection/export.json",
    "/selection/export.bib",
    "/selection/export.ris",
]
PARAMETERS = [
    "q", "person", "place", "event", "collection", "language", "archive", "date_from", "date_to", "sort",
    "page", "show", "verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken",
    "limit", "cursor", "ids", "in", "at", "per_page", "language", "next", "person_op", "language_op",
    "type", "topic", "organisation", "topic_op", "title", "summary", "text", "event", "beside", "download",
    "p",
]  # fmt: skip

# Markup that must never come back as markup: every hostile value carries it.
TAG = "<zq"
HOSTILE = [
    f"{TAG} onmouseover=alert(1)>",
    f'"><{TAG[1:]} src=x onerror=alert(1)>',
    f"</script><script>alert(1)</script>{TAG}>",
    f"{TAG}>\x00NUL",
    f"{TAG}>" + "x" * 10_000,
    f"{TAG}>' OR 1=1; DROP TABLE catalogue_document; --",
    f"{TAG}>a & b | !c <-> (d:* \\ \" ' -e or OR NOT NEAR(f g)",
    f"{TAG}>\ud7ff\ue000\uffff\U0001f600",
    f"{TAG}>%00%ff%fe",
    f"{TAG}>9999999999999999999999",
    f"{TAG}>-1",
    f"{TAG}>1956-02-30",
    f"{TAG}>oai:testserver:../../etc/passwd",
]
RAW_QUERIES = [
    "q=%ff%fe%fd",
    "page=%00",
    "person=%C0%AF",
    "q=" + "%e2%82" * 50,
    "verb=%ff",
    "date_from=%F0%9F",
    "p=%ff%00",
]


def check(client, path, query):
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code < 500, (path, query[:200])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    assert TAG not in text, (path, query[:200])
    return response


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("path", PAGES)
def test_hostile_strings_in_every_parameter(client, sample, path, value):
    query = "&".join(f"{name}={quote(value)}" for name in PARAMETERS)
    check(client, path, query)


@pytest.mark.parametrize("query", RAW_QUERIES)
@pytest.mark.parametrize("path", PAGES)
def test_invalid_utf8_escapes(client, sample, path, query):
    check(client, path, query)


@pytest.mark.parametrize("value", HOSTILE[:4], ids=range(4))
def test_hostile_path_segments(client, sample, value):
    for prefix in ("/documents/", "/people/", "/events/", "/places/", "/collections/"):
        response = client.get(prefix + quote(value, safe="") + "/")
        assert response.status_code == 404
        assert TAG not in response.content.decode()


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(PAGES),
    params=st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.one_of(st.text(max_size=40).map(lambda s: TAG + ">" + s), st.sampled_from(HOSTILE)),
        max_size=5,
    ),
    repeat=st.booleans(),
)
def test_random_parameters_never_break_a_page(client, sample, path, params, repeat):
    pairs = [(name, value) for name, value in params.items()]
    if repeat:
        pairs += pairs  # repeated parameters are legal in a query string
    check(client, path, "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs))


# Staff pages: the same hostile input from a logged-in Archivist. ------------------------------------

ADMIN_PAGES = [
    "/admin/",
    "/admin/catalogue/document/",
    "/admin/catalogue/document/import/",
    "/admin/catalogue/document/import/1/",
    "/admin/catalogue/document/add/",
    "/admin/catalogue/document/{pk}/change/",
    "/admin/catalogue/document/{pk}/history/",
    "/admin/catalogue/person/",
    "/admin/catalogue/person/add/",
    "/admin/catalogue/event/",
    "/admin/catalogue/place/",
    "/admin/catalogue/collection/",
    "/admin/catalogue/language/",
    "/admin/catalogue/repository/",
    "/admin/catalogue/personmerge/",
    "/admin/catalogue/topic/",
    "/admin/catalogue/topic/add/",
    "/admin/catalogue/organisation/",
    "/admin/catalogue/documenttype/",
    "/admin/catalogue/page/",
    "/admin/autocomplete/",
]
ADMIN_PARAMETERS = [
    "q", "o", "p", "e", "status__exact", "language__id__exact", "repository__id__exact", "collections__id__exact",
    "added__gte", "added__lt", "born__isempty", "_changelist_filters", "term", "app_label", "model_name",
    "field_name", "all", "document_type__id__exact", "parent__id__exact",
]  # fmt: skip


@pytest.fixture
def archivist(client, sample):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("archivist", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Archivist"))
    client.force_login(user)
    return client


def admin_path(path):
    from catalogue.models import Document

    return path.format(pk=Document.objects.values_list("pk", flat=True).first())


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_hostile_strings_in_every_admin_parameter(archivist, path):
    for value in HOSTILE:
        query = "&".join(f"{name}={quote(value)}" for name in ADMIN_PARAMETERS)
        check(archivist, admin_path(path), query)


@pytest.mark.parametrize(
    "query",
    [
        "app_label=catalogue&model_name=document&field_name=people&term=%00",
        "app_label=catalogue&model_name=document&field_name=places&term=mao%00",
        "app_label=catalogue&model_name=document&field_name=language&term=%ff",
    ],
)
def test_admin_autocomplete_with_nul_and_bad_bytes(archivist, query):
    check(archivist, "/admin/autocomplete/", query)


@pytest.mark.parametrize("suffix", ["abc/history/", "1/history/abc/", "abc/history/1/", "%00/change/", "1%00/history/"])
def test_admin_urls_with_ids_that_are_not_ids(archivist, suffix):
    for model in ("document", "person", "place", "event", "topic", "organisation", "documenttype"):
        response = archivist.get(f"/admin/catalogue/{model}/{suffix}")
        assert response.status_code in {302, 404}, (model, suffix)
    # The site's pages are an Editor's: refused to an Archivist whatever the address says.
    assert archivist.get(f"/admin/catalogue/page/{suffix}").status_code in {403, 404}


def test_hostile_values_posted_to_the_import_and_merge_forms_change_nothing(admin_client, sample):
    """The admin's own forms (import confirmation, merge) answer hostile input with a message, never a 500."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from catalogue.models import Document, ImportJob, Person, PersonMerge

    people = list(Person.objects.values_list("pk", flat=True)[:2])
    documents = Document.objects.count()
    for value in HOSTILE:
        confirmed = admin_client.post(
            "/admin/catalogue/document/import/", {"token": value, "file_name": value, "publish": value}
        )
        assert confirmed.status_code == 302  # back to the upload, saying the upload is gone
        merge = {"action": "merge", ACTION_CHECKBOX_NAME: people, "kept": value, "confirm": "yes"}
        refused = admin_client.post("/admin/catalogue/person/", merge)
        assert refused.status_code == 200 and TAG not in refused.content.decode()
        odd_ids = admin_client.post("/admin/catalogue/person/", {**merge, ACTION_CHECKBOX_NAME: [value]})
        assert odd_ids.status_code < 500
    assert not ImportJob.objects.exists() and not PersonMerge.objects.exists()
    assert Document.objects.count() == documents and Person.objects.filter(pk__in=people).count() == 2


@pytest.mark.parametrize("value", HOSTILE[:6], ids=range(6))
@pytest.mark.parametrize("path", PAGES)
def test_hostile_strings_for_staff_who_are_never_served_a_kept_page(client, sample, draft, path, value):
    """Staff see drafts and bypass the page cache: the same hostile input may not break their pages either."""
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("fuzzing-curator", "c@example.org", "a-long-password-1"))
    response = check(client, path, "&".join(f"{name}={quote(value)}" for name in PARAMETERS))
    assert "ETag" not in response or path.startswith("/api/")


# The documents themselves: originals, page images, IIIF, texts, the words of scans, and the admin's form
# with files and texts, for the public and for staff.


@pytest.fixture
def scanned(sample, settings, tmp_path):
    from catalogue.models import Document, DocumentText

    from .scans import attach, text_pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    document = Document.objects.published().get(title__startswith="Record of a Meeting")
    stored = attach(document, text_pdf([["A page."], ["Another."]]))
    text = DocumentText.objects.create(document=document, kind="translation", body="A translation.")
    return document, stored, text


def scanned_doors(document, stored, text):
    return [
        stored.get_absolute_url(),
        f"/files/{stored.pk}/scan-text.txt",
        f"/iiif/3/{stored.pk}-1",
        f"/iiif/3/{stored.pk}-1/info.json",
        f"/iiif/3/{stored.pk}-1/full/max/0/default.jpg",
        f"/documents/{document.slug}/manifest.json",
        f"/documents/{document.slug}/texts/{text.pk}.txt",
        document.get_absolute_url(),
        f"/admin/catalogue/document/{document.pk}/change/",
        f"/admin/catalogue/document/{document.pk}/history/",
    ]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_at_the_doors_of_scans_and_texts(client, scanned, value):
    from .factories import UserFactory

    doors = scanned_doors(*scanned)
    query = "&".join(f"{name}={quote(value)}" for name in [*PARAMETERS, "download", "page", "beside"])
    for path in doors:
        if not path.startswith("/admin/"):
            check(client, path, query)
    client.force_login(UserFactory(username="fuzzing-editor", roles=["Editor"]))
    for path in doors:
        check(client, path, query)
    # Hostile path segments where an image service names its page, its size, its region and its quality.
    document, stored, _text = scanned
    for segment in (quote(value, safe=""), f"{stored.pk}-{quote(value, safe='')}"):
        for path in (f"/iiif/3/{segment}/info.json", f"/iiif/3/{stored.pk}-1/{segment}/max/0/default.jpg",
                     f"/iiif/3/{stored.pk}-1/full/{segment}/0/default.jpg",
                     f"/iiif/3/{stored.pk}-1/full/max/0/{segment}", f"/files/{stored.pk}/{segment}"):  # fmt: skip
            response = client.get(path)
            assert response.status_code < 500 and (response.streaming or TAG.encode() not in response.content)


@pytest.mark.parametrize("header", ["Range", "If-Range", "If-None-Match", "If-Modified-Since"])
def test_hostile_headers_on_a_file(client, scanned, header):
    _document, stored, _text = scanned
    for value in HOSTILE[:8]:
        safe = value.replace("\x00", "").encode("latin-1", errors="ignore").decode("latin-1")
        response = client.get(stored.get_absolute_url(), **{f"HTTP_{header.upper().replace('-', '_')}": safe})
        assert response.status_code in {200, 206, 304, 412, 416}
