"""RSS and Atom feeds of the newest documents, read by feedparser as a feed reader would."""

import feedparser
import pytest
from django.urls import reverse

from catalogue.models import Document

from .factories import DocumentFactory
from .helpers import html

pytestmark = pytest.mark.django_db

SEED = {"person": "wang-ming", "place": "soviet-union"}


def read(client, name, **params):
    response = client.get(reverse(f"catalogue:document-feed-{name}"), params)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.mark.parametrize("name, content_type", [("atom", "application/atom+xml"), ("rss", "application/rss+xml")])
def test_a_feed_of_the_whole_archive_lists_the_newest_published_documents(client, sample, draft, name, content_type):
    response, feed = read(client, name)
    assert response["Content-Type"].startswith(content_type)
    newest = list(Document.objects.published().order_by("-added", "-id"))
    assert [entry.title for entry in feed.entries] == [document.title for document in newest]
    assert draft.title not in response.content.decode()
    first = feed.entries[0]
    assert first.link == f"http://testserver{newest[0].get_absolute_url()}"
    assert first.summary == newest[0].summary
    assert feed.feed.title == "Digital Archive of Historical Documents: Documents"


@pytest.mark.parametrize("name", ["atom", "rss"])
def test_a_feed_follows_the_listing_filters(client, sample, draft, name):
    listing = client.get(reverse("catalogue:document-list"), {**SEED, "sort": "added"})
    titles = [document.title for document in listing.context["paginator"].object_list]
    response, feed = read(client, name, **SEED, sort="title")  # a feed is always newest first
    assert [entry.title for entry in feed.entries] == titles
    assert len(feed.entries) == 14
    assert feed.feed.title.endswith("Documents tagged with Wang Ming and the Soviet Union")
    assert feed.feed.link == "http://testserver/documents/?person=wang-ming&place=soviet-union"


def test_a_feed_holds_the_newest_fifty_and_changes_when_one_is_published(client, sample):
    for number in range(55):
        DocumentFactory(published=True, title=f"Telegram number {number}")
    _, feed = read(client, "atom")
    assert len(feed.entries) == 50
    assert feed.entries[0].title == "Telegram number 54"
    newer = DocumentFactory(published=True, title="A newer telegram")
    _, feed = read(client, "atom")
    assert feed.entries[0].title == newer.title


@pytest.mark.parametrize("query", [{"date_from": "foo"}, {"person": "nobody"}, {"q": "-"}])
def test_a_feed_with_filters_that_cannot_be_used_is_refused_clearly(client, sample, query):
    response = client.get(reverse("catalogue:document-feed-atom"), query)
    assert response.status_code == 400
    assert "The filters could not be used" in response.content.decode()


def test_pages_name_their_feeds(client, sample):
    home = html(client.get("/"))
    assert [link["href"] for link in home.select('link[rel="alternate"][type$="xml"]')] == [
        "/documents/feed.atom",
        "/documents/feed.rss",
    ]
    listing = html(client.get(reverse("catalogue:document-list"), SEED))
    hrefs = [link["href"] for link in listing.select('link[rel="alternate"][type$="xml"]')]
    assert hrefs == ["/documents/feed.atom?person=wang-ming&place=soviet-union",
                     "/documents/feed.rss?person=wang-ming&place=soviet-union"]  # fmt: skip


def test_a_feed_in_russian_keeps_the_catalogue_as_catalogued(client, sample):
    response = client.get("/ru/documents/feed.atom", SEED)
    feed = feedparser.parse(response.content)
    assert feed.feed.title.endswith("Документы: с метками Wang Ming и Soviet Union")
    assert feed.entries[0].link.startswith("http://testserver/ru/documents/")
