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


# Front caches (Varnish in `make cluster`; the cluster test runs the real one) --------------------------------


@pytest.fixture
def ban_listener(settings):
    """An address that takes front-cache bans and records them (the requests, not their effect: the cluster
    test shows Varnish acting on them)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Listener(BaseHTTPRequestHandler):
        def do_BAN(self):  # noqa: N802 (the method's name)
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CATALOGUE_FRONT_CACHES = [f"http://127.0.0.1:{server.server_port}/"]
    yield received
    server.shutdown()


def surrogate_seconds(response):
    value = response.get("Surrogate-Control", "")
    assert value.startswith("max-age="), f"not marked for the front cache: {value!r}"
    return int(value.removeprefix("max-age="))


def test_with_a_front_cache_public_pages_are_marked_for_it_until_the_end_of_the_day(
    client, sample, settings, monkeypatch
):
    from datetime import datetime, time, timedelta

    from catalogue import exports

    assert "Surrogate-Control" not in client.get(SEED), "marked with no front cache to ban"
    settings.CATALOGUE_FRONT_CACHES = ["http://127.0.0.1:9/"]
    made, kept = client.get("/people/wang-ming/"), client.get("/people/wang-ming/")
    api = client.get("/api/v1/documents/?person=wang-ming")
    small_export = client.get("/documents/export.csv?person=wang-ming")
    now = datetime.now()
    to_midnight = (datetime.combine(now.date() + timedelta(days=1), time()) - now).total_seconds()
    for response in (made, kept, api, small_export):
        assert 0 < surrogate_seconds(response) <= min(settings.CATALOGUE_FRONT_CACHE_SECONDS, to_midnight + 1)
    # Not kept, so not marked: a streamed export, a page not found, a staff member's page.
    monkeypatch.setattr(exports, "WHOLE_BYTES", 1000)
    streamed = client.get("/documents/export.csv?person=wang-ming&sort=date")
    body(streamed)  # read to the end, as a client does
    assert streamed.streaming and "Surrogate-Control" not in streamed
    assert "Surrogate-Control" not in client.get("/people/no-such-person/")
    client.force_login(User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password"))
    assert "Surrogate-Control" not in client.get("/people/wang-ming/")


def test_a_page_made_under_a_version_since_replaced_is_not_marked_for_the_front_cache(client, sample, settings):
    from django.http import HttpResponse

    from catalogue import upkeep
    from catalogue.caching import for_front_caches, validators

    settings.CATALOGUE_FRONT_CACHES = ["http://127.0.0.1:9/"]
    modified = validators(client.get(SEED).wsgi_request)[1]
    assert "Surrogate-Control" in for_front_caches(HttpResponse("page"), modified)
    upkeep.public_changed()  # while the page was being made
    assert "Surrogate-Control" not in for_front_caches(HttpResponse("page"), modified)


@pytest.mark.django_db(transaction=True)
def test_a_public_change_bans_the_front_cache_once_committed_and_again_a_moment_later(sample, ban_listener):
    import time

    from django.db import transaction

    from catalogue import frontcache

    document = Document.objects.published().order_by("pk").first()
    with transaction.atomic():
        document.title = "Renamed in the admin"
        document.save()
        assert ban_listener == [], "banned before the change was committed"
    assert ban_listener == ["/"]
    deadline = time.monotonic() + frontcache.BAN_AGAIN_SECONDS + 3
    while len(ban_listener) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ban_listener == ["/", "/"]

    # A change rolled back bans nothing; a draft's edit is no public change.
    ban_listener.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        document.title = "Never committed"
        document.save()
        raise RuntimeError
    draft = DocumentFactory(title="A draft")
    ban_listener.clear()
    draft.title = "A draft, retitled"
    draft.save()
    time.sleep(0.2)
    assert ban_listener == []


@pytest.mark.django_db(transaction=True)
def test_a_front_cache_that_cannot_be_reached_costs_the_change_nothing_and_is_logged(sample, settings, caplog):
    settings.CATALOGUE_FRONT_CACHES = ["http://127.0.0.1:9/"]
    document = Document.objects.published().order_by("pk").first()
    document.title = "Renamed while the front cache is away"
    document.save()
    assert Document.objects.get(pk=document.pk).title == "Renamed while the front cache is away"
    assert "The front cache at http://127.0.0.1:9/ was not told of a change" in caplog.text
