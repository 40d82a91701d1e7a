"""The research API: what a script sees, page by page, with the listing's meaning and the site's privacy."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from catalogue.models import Document, Person, Place, Status

from .factories import DocumentFactory, PersonFactory
from .helpers import html, result_titles

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/documents/"


def result_slugs(response):
    return [
        a["href"].split("?")[0].strip("/").split("/")[-1] for a in html(response).select(".results .result__title a")
    ]


def walk(client, url, **params):
    """Every page of a list, following `next`; (items, pages)."""
    items, pages = [], 0
    response = client.get(url, params) if params else client.get(url)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        pages += 1
        if not body["next"]:
            return items, pages
        assert pages < 1000, "the cursor does not move on"
        response = client.get(body["next"])


def test_the_seed_filters_give_the_listing_s_documents_in_the_listing_s_order(client, sample):
    items, pages = walk(client, DOCUMENTS, person="wang-ming", place="soviet-union", limit=4)
    listing = [*result_titles(client.get("/documents/?person=wang-ming&place=soviet-union"))]
    listing += result_titles(client.get("/documents/?person=wang-ming&place=soviet-union&page=2"))
    assert [item["title"] for item in items] == listing and len(items) == 14 and pages == 4
    first = client.get(DOCUMENTS, {"person": "wang-ming", "place": "soviet-union"}).json()
    assert first["total"] == {"value": 14, "exact": True}


def test_the_total_is_exact_wherever_the_listing_s_count_is(client, sample, settings):
    settings.CATALOGUE_COUNT_CAP = 5
    # The whole catalogue and one person alone are counted by the kept counts, past the cap too.
    assert client.get(DOCUMENTS).json()["total"] == {"value": 17, "exact": True}
    assert client.get(DOCUMENTS, {"person": "wang-ming"}).json()["total"] == {"value": 14, "exact": True}
    topic = client.get(DOCUMENTS, {"topic": "china-foreign-relations"}).json()
    assert topic["total"] == {"value": 16, "exact": True}
    # A search stops counting at the cap and says so.
    assert client.get(DOCUMENTS, {"q": "Mao"}).json()["total"] == {"value": 5, "exact": False}


@pytest.mark.parametrize("sort", ["date", "-date", "title", "added"])
def test_every_sort_pages_in_the_listing_s_order(client, sample, sort):
    items, _ = walk(client, DOCUMENTS, sort=sort, limit=5)
    listing = result_titles(client.get("/documents/", {"sort": sort})) + result_titles(
        client.get("/documents/", {"sort": sort, "page": 2})
    )
    assert [item["title"] for item in items] == listing


def test_a_keyword_search_pages_by_relevance(client, sample):
    items, _ = walk(client, DOCUMENTS, q="Mao", limit=3)
    listing = result_slugs(client.get("/documents/", {"q": "Mao"})) + result_slugs(
        client.get("/documents/", {"q": "Mao", "page": 2})
    )
    assert [item["slug"] for item in items] == listing


def test_a_document_carries_every_public_fact_its_tags_and_its_citations(client, sample):
    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    body = client.get(f"{DOCUMENTS}{document.slug}/").json()
    assert body["title"] == document.title and body["date"] == "1967-09-30" and body["source"] == document.source
    assert body["language"]["name"] == "Albanian" and body["texts"] == [] and body["files"] == []
    assert body["iiif_manifest"] is None
    people = {person["slug"]: person for person in body["people"]}
    assert people["mao-zedong"]["url"] == "http://testserver/people/mao-zedong/"
    assert people["mao-zedong"]["api_url"] == "http://testserver/api/v1/people/mao-zedong/"
    assert body["links"]["html"] == f"http://testserver{document.get_absolute_url()}"
    page = html(client.get(document.get_absolute_url()))
    chicago = next(c for c in body["citations"] if c["style"] == "chicago")
    assert chicago["text"] == " ".join(page.select_one("#citation-chicago").get_text().split())
    assert body["csl"]["type"] == "manuscript"


def test_entities_carry_their_counts_and_a_link_to_their_documents(client, sample):
    wang = client.get("/api/v1/people/wang-ming/").json()
    assert wang["document_count"] == 14 and (wang["born"], wang["died"]) == (1904, 1974)
    items, _ = walk(client, wang["documents_url"].removeprefix("http://testserver") + "&limit=100")
    assert len(items) == 14
    people, pages = walk(client, "/api/v1/people/", limit=5)
    assert len({p["slug"] for p in people}) == len(people) == Person.objects.public().count() and pages > 1
    for path in ("places", "events", "collections", "languages", "archives"):
        assert client.get(f"/api/v1/{path}/").status_code == 200


def test_nothing_unpublished_is_reachable_by_any_endpoint(client, sample, draft):
    secret = PersonFactory(name="Known Only From A Draft")
    draft.people.add(secret)
    assert client.get(f"{DOCUMENTS}{draft.slug}/").status_code == 404
    everything, _ = walk(client, DOCUMENTS, limit=500)
    assert draft.slug not in {item["slug"] for item in everything}
    assert client.get(DOCUMENTS).json()["total"]["value"] == Document.objects.published().count()
    problem = client.get(DOCUMENTS, {"person": secret.slug})
    assert problem.status_code == 400 and secret.name not in problem.content.decode()
    assert client.get(f"/api/v1/people/{secret.slug}/").status_code == 404
    people, _ = walk(client, "/api/v1/people/", limit=500)
    assert secret.slug not in {p["slug"] for p in people}
    # The draft matches the seed filter and every common word: it is in no search, count or page.
    for params in ({"person": "wang-ming", "place": "soviet-union"}, {"q": "Stalin Khrushchev"}):
        items, _ = walk(client, DOCUMENTS, **params)
        assert draft.slug not in {item["slug"] for item in items}
    wang = client.get("/api/v1/people/wang-ming/").json()
    assert wang["document_count"] == 14


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"person": "nobody"}, "person"),
        ({"date_from": "foo"}, "date_from"),
        ({"date_from": "1960", "date_to": "1950"}, "__all__"),
        ({"sort": "colour"}, "sort"),
        ({"q": "-"}, "q"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "forged"}, "cursor"),
    ],
)
def test_bad_parameters_are_problems_that_name_them_in_the_listing_s_words(client, sample, params, field):
    response = client.get(DOCUMENTS, params)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and field in body["errors"]
    if field == "person":
        listing = html(client.get("/documents/", params)).select_one(".form-errors").get_text()
        assert body["errors"]["person"][0] in listing


def test_a_cursor_only_continues_the_list_it_came_from(client, sample):
    first = client.get(DOCUMENTS, {"person": "wang-ming", "limit": 2}).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    other = client.get(DOCUMENTS, {"person": "mao-zedong", "limit": 2, "cursor": cursor})
    assert other.status_code == 400 and "other parameters" in other.json()["detail"]
    assert client.get("/api/v1/people/", {"cursor": cursor}).status_code == 400


def test_unknown_records_are_404_problems(client, sample):
    for url in (f"{DOCUMENTS}no-such-document/", "/api/v1/people/nobody/", "/api/v1/places/atlantis/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["status"] == 404


def test_answers_can_be_revalidated_and_cached(client, sample):
    document = Document.objects.published().first()
    url = f"{DOCUMENTS}{document.slug}/"
    response = client.get(url)
    assert response["Cache-Control"] == "public, max-age=60" and response["Last-Modified"]
    assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304
    assert client.get(url, headers={"if-modified-since": response["Last-Modified"]}).status_code == 304
    listing = client.get(DOCUMENTS)
    assert client.get(DOCUMENTS, headers={"if-none-match": listing["ETag"]}).status_code == 304
    document.title = "A new title"
    document.save()
    assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_any_site_may_read_it_from_a_browser(client, sample):
    response = client.get(DOCUMENTS, headers={"origin": "https://notebook.example.edu"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/documents/", headers={"origin": "https://x.example"})


def test_too_many_requests_from_one_address_are_told_when_to_come_back(client, sample, settings):
    settings.CATALOGUE_API_RATE = "3/min"
    cache.clear()
    try:
        statuses = [client.get("/api/v1/languages/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/languages/")
        assert refused["Content-Type"] == "application/problem+json" and 0 < int(refused["Retry-After"]) <= 60
        assert "3 a minute" in refused.json()["detail"]
        # Another address has its own allowance.
        assert client.get("/api/v1/languages/", REMOTE_ADDR="192.0.2.7").status_code == 200
    finally:
        cache.clear()


def test_the_openapi_document_and_its_browsable_page_are_served_by_the_site(client, sample):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    paths = set(spec["paths"])
    for path in ("documents", "people", "places", "events", "collections", "languages", "archives"):
        assert f"/api/v1/{path}/" in paths
    parameters = {p["name"] for p in spec["paths"]["/api/v1/documents/"]["get"]["parameters"]}
    assert parameters >= {"q", "person", "place", "event", "collection", "language", "archive", "date_from"}
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    scripts = [s.get("src") for s in html(docs).find_all("script") if s.get("src")]
    assert scripts and all(src.startswith("/static/") for src in scripts)  # no CDN: the CSP allows only the site
    assert "script-src 'self'" in docs["Content-Security-Policy"]


@pytest.mark.django_db(transaction=True)
def test_a_cursor_walk_finds_every_document_once_while_others_are_published_and_unpublished(client):
    Person.objects.create(name="Walker", slug="walker", sort_name="Walker")
    Place.objects.create(name="Nowhere", slug="nowhere")
    steady = [DocumentFactory(status=Status.PUBLISHED) for _ in range(40)]
    drafts = [DocumentFactory(status=Status.DRAFT) for _ in range(10)]
    toggled = steady[::7]  # unpublished during the walk, then some published again
    seen, pages = [], 0
    response = client.get(DOCUMENTS, {"limit": 6, "sort": "title"})
    while True:
        body = response.json()
        seen += [item["slug"] for item in body["results"]]
        pages += 1
        # Between pages, curators publish drafts and unpublish published documents, before and after the cursor.
        if pages <= len(drafts):
            drafts[pages - 1].status = Status.PUBLISHED
            drafts[pages - 1].save()
        if pages <= len(toggled):
            toggled[pages - 1].status = Status.DRAFT
            toggled[pages - 1].save()
        if not body["next"]:
            break
        response = client.get(body["next"])
    assert len(seen) == len(set(seen)), "a document was listed twice"
    untouched = {d.slug for d in steady} - {d.slug for d in toggled}
    assert untouched <= set(seen), "a document published all along was missed"
    assert set(seen) <= {d.slug for d in steady} | {d.slug for d in drafts}


@pytest.mark.django_db(transaction=True)
def test_the_guide_s_examples_run_against_the_site(live_server, sample, capsys):
    import contextlib
    import io
    import json
    import shutil
    import subprocess

    page = html(__import__("requests").get(f"{live_server.url}/api/", timeout=30))
    python = page.select_one("#example-python").get_text()
    assert python.count(live_server.url) == 1
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(python, "example.py", "exec"), {})  # the example as a researcher would paste it
    assert output.getvalue().startswith("14 documents\n")
    if shutil.which("curl"):
        command = page.select_one("#example-curl").get_text()
        result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30, check=True)
        assert json.loads(result.stdout)["document_count"] == 14


def test_a_repeated_answer_comes_from_the_shared_cache_and_a_change_is_seen_at_once(client, sample):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed = {"person": "wang-ming", "place": "soviet-union"}
    first = client.get(DOCUMENTS, seed)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(DOCUMENTS, seed)
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert len(captured) == 1  # the catalogue's version, and nothing else
    withdrawn = Document.objects.get(slug=first.json()["results"][0]["slug"])
    withdrawn.status = Status.DRAFT
    withdrawn.save()
    assert client.get(DOCUMENTS, seed).json()["total"]["value"] == 13
