"""Around the results: a document opened from a result list, its way back, its neighbours, and the
results-per-page choice; all kept in the address."""

import re

import pytest
from django.urls import reverse

from catalogue.models import Document

from .helpers import html, result_titles, text_of

pytestmark = pytest.mark.django_db

LISTING = "/documents/"
SEED = {"person": "wang-ming", "place": "soviet-union"}


def result_links(response):
    return [a["href"] for a in html(response).select(".result__title a")]


def test_every_result_opens_its_document_with_its_place_in_the_results(client, sample):
    page = client.get(LISTING, {**SEED, "page": 2})
    links = result_links(page)
    assert len(links) == 4
    for position, href in enumerate(links, start=11):
        assert href.endswith(f"?in=person%3Dwang-ming%26place%3Dsoviet-union&at={position}")


def test_a_document_shows_the_way_back_and_its_neighbours_in_the_same_order_as_the_listing(client, sample):
    titles = result_titles(client.get(LISTING, SEED)) + result_titles(client.get(LISTING, {**SEED, "page": 2}))
    first_page_links = result_links(client.get(LISTING, SEED))
    # The tenth result: its neighbours are the ninth (same page) and the eleventh (next page).
    page = html(client.get(first_page_links[9]))
    nav = page.select_one(".result-nav")
    assert text_of(nav.select_one(".result-nav__place")) == "Result 10 of 14"
    assert nav.select_one(".result-nav__back")["href"] == "/documents/?person=wang-ming&place=soviet-union"
    previous, following = nav.select_one('a[rel="prev"]'), nav.select_one('a[rel="next"]')
    assert text_of(previous).endswith(titles[8]) and text_of(following).endswith(titles[10])
    # Following "Next" lands on the eleventh, which leads back to page 2.
    eleventh = html(client.get(following["href"]))
    assert text_of(eleventh.find("h1")) == titles[10]
    assert eleventh.select_one(".result-nav__back")["href"].endswith("&page=2")
    assert text_of(eleventh.select_one(".breadcrumb")).startswith("Home Documents tagged with Wang Ming")
    # The last has no "Next"; the first no "Previous".
    last = html(client.get(result_links(client.get(LISTING, {**SEED, "page": 2}))[-1]))
    assert last.select_one('.result-nav a[rel="next"]') is None
    first = html(client.get(first_page_links[0]))
    assert first.select_one('.result-nav a[rel="prev"]') is None
    # The canonical address stays the document's own.
    assert first.select_one('link[rel="canonical"]')["href"].endswith(
        Document.objects.get(title=titles[0]).get_absolute_url()
    )


def test_a_search_result_keeps_its_words_and_sort(client, sample):
    links = result_links(client.get(LISTING, {"q": "Mao", "sort": "title"}))
    page = html(client.get(links[1]))
    assert page.select_one(".result-nav__back")["href"] == "/documents/?q=Mao&sort=title"
    titles = result_titles(client.get(LISTING, {"q": "Mao", "sort": "title"}))
    assert text_of(page.select_one('.result-nav a[rel="prev"]')).endswith(titles[0])


def test_a_document_no_longer_at_its_place_keeps_only_the_way_back(client, sample):
    document = Document.objects.published().first()
    page = html(client.get(document.get_absolute_url(), {"in": "person=wang-ming", "at": "9999"}))
    assert page.select_one(".result-nav__back") is not None
    assert page.select_one(".result-nav__place") is None and page.select_one('.result-nav a[rel="next"]') is None


@pytest.mark.parametrize(
    "params, message",
    [
        ({"in": "person=wang-ming", "at": "x"}, "a whole number from 1"),
        ({"in": "person=wang-ming", "at": "0"}, "a whole number from 1"),
        ({"in": "person=wang-ming"}, "a whole number from 1"),
        ({"in": "person=nobody", "at": "1"}, "cannot be read again"),
        ({"in": "date_from=1956-13", "at": "1"}, "cannot be read again"),
    ],
)
def test_navigation_that_cannot_be_read_is_refused_clearly(client, sample, params, message):
    document = Document.objects.published().first()
    response = client.get(document.get_absolute_url(), params)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_document_opened_directly_has_its_breadcrumb_and_no_results_bar(client, sample):
    page = html(client.get(Document.objects.published().first().get_absolute_url()))
    assert [text_of(li) for li in page.select(".breadcrumb li")][:2] == ["Home", "Documents"]
    assert page.select_one(".result-nav") is None


@pytest.mark.parametrize("per_page", [10, 25, 50, 100])
def test_results_per_page_is_a_choice_that_paging_and_neighbours_keep(client, sample, per_page):
    response = client.get(LISTING, {"per_page": per_page})
    count = Document.objects.published().count()
    assert len(result_titles(response)) == min(per_page, count)
    page = html(response)
    assert page.select_one("#id_per_page option[selected]")["value"] == str(per_page)
    if per_page == 10:
        assert "per_page=10" in page.select_one('.pagination a[rel="next"]')["href"]
        assert re.search(r"in=per_page%3D10&at=1$", result_links(response)[0])


def test_an_unknown_page_length_is_said_and_the_default_used(client, sample):
    response = client.get(LISTING, {"per_page": "7"})
    assert response.status_code == 200
    assert len(result_titles(response)) == 10
    assert "Per page" in text_of(html(response).select_one(".form-errors"))
    assert reverse("catalogue:document-list") == LISTING
