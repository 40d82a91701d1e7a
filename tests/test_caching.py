"""Public pages kept in the shared cache under the catalogue's version: fast for readers, never stale, never
for staff; and validators that let browsers and proxies keep them too."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Collection, Document, Person, Place, Status

from .factories import DocumentFactory
from .helpers import html, result_titles

pytestmark = pytest.mark.django_db

SEED = "/documents/?person=wang-ming&place=soviet-union"


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def everywhere(client, slug):
    """What a reader sees of the catalogue on every kind of surface, as one text per surface."""
    return {
        "listing": body(client.get(SEED)) + body(client.get(f"{SEED}&page=2")),
        "home": body(client.get("/")),
        "person": body(client.get("/people/wang-ming/")) + body(client.get("/people/wang-ming/?page=2")),
        "sitemap": body(client.get("/sitemap-documents.xml")),
        "oai": body(client.get("/oai/?verb=ListIdentifiers&metadataPrefix=oai_dc")),
        "export": body(client.get("/documents/export.csv?person=wang-ming")),
    }


def test_a_second_reader_gets_the_page_from_the_cache_with_validators(client, sample):
    first = client.get(SEED)
    with CaptureQueriesContext(connection) as captured:
        second = client.get(SEED)
    assert second.content == first.content
    assert len(captured) == 1  # the catalogue's version, and nothing else
    assert second["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert client.get(SEED, headers={"if-none-match": second["ETag"]}).status_code == 304
    assert client.get(SEED, headers={"if-modified-since": second["Last-Modified"]}).status_code == 304
    export = client.get("/documents/export.csv")
    body(export)  # read to the end, as a client does: its database cursor is closed with the test
    assert client.get("/documents/export.csv", headers={"if-none-match": export["ETag"]}).status_code == 304


def test_publishing_is_seen_at_once_in_every_list_count_and_feed(client, sample):
    draft = DocumentFactory(
        title="Freshly published telegram",
        date="1956-09-21",
        people=Person.objects.filter(slug="wang-ming"),
        places=Place.objects.filter(slug="soviet-union"),
    )
    before = everywhere(client, draft.slug)
    assert not any(draft.slug in text or draft.title in text for text in before.values())
    assert html(client.get("/people/wang-ming/")).select_one(".entity__count").get_text() == "(14)"
    draft.status = Status.PUBLISHED
    draft.save()
    after = everywhere(client, draft.slug)
    missing = [name for name, text in after.items() if draft.slug not in text and draft.title not in text]
    assert missing == []
    assert "Results: 1 - 10 of 15" in " ".join(html(client.get(SEED)).get_text(" ").split())
    assert html(client.get("/people/wang-ming/")).select_one(".entity__count").get_text() == "(15)"


def test_unpublishing_vanishes_from_everywhere_at_once(client, sample):
    document = Document.objects.get(title__startswith="Record of a Meeting between the Sino-Soviet Delegation")
    before = everywhere(client, document.slug)
    assert all(document.slug in text or document.title in text for name, text in before.items() if name != "home")
    document.status = Status.DRAFT
    document.save()
    after = everywhere(client, document.slug)
    shown = [name for name, text in after.items() if document.title in text or f"/{document.slug}/" in text]
    assert shown == []
    assert result_titles(client.get(SEED))[0] != document.title


def test_a_renamed_collection_is_seen_at_once(client, sample):
    collection = Collection.objects.get(slug="sino-soviet-relations")
    old = collection.name
    assert old in body(client.get("/collections/"))
    collection.name = "Relations between China and the USSR"
    collection.save()
    page = body(client.get("/collections/"))
    assert "Relations between China and the USSR" in page and old not in page


def test_staff_are_never_served_a_kept_page(client, sample):
    document = Document.objects.published().order_by("pk").first()
    client.get(document.get_absolute_url())
    # Changed behind the catalogue's back (no new version): readers keep the kept page for now...
    Document.objects.filter(pk=document.pk).update(title="Changed behind the cache")
    assert "Changed behind the cache" not in body(client.get(document.get_absolute_url()))
    # ...staff never see a kept page, and theirs is kept by no one.
    staff = client.__class__()
    staff.force_login(User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password"))
    response = staff.get(document.get_absolute_url())
    assert "Changed behind the cache" in body(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "ETag" not in response


@pytest.mark.parametrize(
    "url",
    ["/", "/documents/", SEED, "/documents/?q=Mao", "/people/", "/people/wang-ming/", "/api/", "/documents/?person=x"],
)
def test_no_cookie_is_set_for_an_anonymous_reader(client, sample, url):
    response = client.get(url)
    assert response.cookies == {} and "Set-Cookie" not in response


def test_readers_asking_for_a_page_being_rendered_wait_for_it_instead_of_rendering_it_again(client, sample):
    import threading

    from django.core.cache import cache

    from catalogue.caching import validators

    first = client.get(SEED)
    request = client.get(SEED).wsgi_request
    key = f"page:{validators(request)[2]}"
    kept = cache.get(key)
    assert kept is not None
    # Another reader is rendering the page (its mark is set, the page not yet kept); it is kept in 0.3 s.
    cache.delete(key)
    cache.add(f"{key}:rendering", 1, timeout=10)
    threading.Timer(0.3, cache.set, [key, kept]).start()
    with CaptureQueriesContext(connection) as captured:
        waited = client.get(SEED)
    assert waited.content == first.content
    assert len(captured) == 1, "the page was rendered again instead of waited for"
    # The renderer gave up (its mark gone, nothing kept): the reader renders the page itself.
    cache.delete(key)
    cache.delete(f"{key}:rendering")
    assert len(result_titles(client.get(SEED))) == 10


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_kept_page_costs_no_query_and_a_change_is_still_seen_at_once(client, sample):
    first = client.get(SEED)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(SEED)
    assert again.content == first.content
    assert len(captured) == 0, "the catalogue's version is kept in the shared cache too"
    DocumentFactory(
        published=True,
        title="Telegram from Wang Ming in Moscow",
        people=Person.objects.filter(slug="wang-ming"),
        places=Place.objects.filter(slug="soviet-union"),
    )
    assert "Telegram from Wang Ming in Moscow" in result_titles(client.get(SEED))
