"""A reader's selection as the server sees it: a list of ids in the address, shown and exported in order,
with nothing unpublished and nothing kept."""

import csv
import io
import json

import bibtexparser
import pytest
import rispy
from django.urls import reverse

from catalogue.models import Document

from .helpers import html, text_of

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


@pytest.fixture
def chosen(sample):
    """Three published documents, in the order a reader chose them (not the catalogue's order)."""
    documents = list(Document.objects.published().order_by("title")[:3])
    return [documents[2], documents[0], documents[1]]


def ids(documents):
    return ",".join(str(document.pk) for document in documents)


def test_the_selection_page_shows_the_chosen_documents_in_the_order_chosen(client, chosen, draft):
    response = client.get(reverse("catalogue:selection"), {"ids": f"{ids(chosen)},{draft.pk},99999999"})
    assert response.status_code == 200
    page = html(response)
    assert [text_of(a) for a in page.select(".result__title a")] == [document.title for document in chosen]
    assert text_of(page.select_one(".results-count")) == "3 documents; 2 no longer available."
    assert draft.title not in response.content.decode()
    # The link to share names only what it shows.
    share = page.select_one(".selection__link a")["href"]
    assert share == f"http://testserver/selection/?ids={ids(chosen)}"
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"


def test_an_empty_selection_says_how_to_make_one(client, sample):
    page = html(client.get(reverse("catalogue:selection")))
    assert "No documents selected" in text_of(page.select_one(".selection__empty"))
    assert page.select_one(".selection__empty a")["href"] == reverse("catalogue:document-list")


@pytest.mark.parametrize(
    "value, message",
    [
        ("12,abc", "list of document numbers"),
        ("1;2", "list of document numbers"),
        ("-1", "list of document numbers"),
        ("١٢", "list of document numbers"),  # digits, but not the ones an address uses
        (",".join(str(n) for n in range(1, 502)), "at most 500 documents (501 were given)"),
    ],
)
def test_a_selection_that_is_not_a_list_of_ids_is_refused_clearly(client, sample, value, message):
    for name in ("selection", "selection-export-csv", "selection-export-bib"):
        response = client.get(reverse(f"catalogue:{name}"), {"ids": value})
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_selection_exports_in_every_format_in_the_order_chosen(client, chosen, draft):
    query = {"ids": f"{ids(chosen)},{draft.pk}"}
    titles = [document.title for document in chosen]

    response = client.get(reverse("catalogue:selection-export-csv"), query)
    assert response["Content-Disposition"] == 'attachment; filename="selection.csv"'
    assert [row["title"] for row in csv.DictReader(io.StringIO(body(response)))] == titles

    rows = json.loads(body(client.get(reverse("catalogue:selection-export-json"), query)))
    assert [row["title"] for row in rows] == titles

    library = bibtexparser.parse_string(body(client.get(reverse("catalogue:selection-export-bib"), query)))
    assert not library.failed_blocks
    assert [entry["title"].strip("{}") for entry in library.entries] == titles

    entries = rispy.loads(body(client.get(reverse("catalogue:selection-export-ris"), query)))
    assert [entry["title"] for entry in entries] == titles
    assert all(entry["type_of_reference"] == "MANSCPT" for entry in entries)


@pytest.mark.parametrize("format", ["csv", "json", "bib", "ris"])
def test_an_empty_selection_exports_an_empty_file(client, sample, format):
    response = client.get(reverse(f"catalogue:selection-export-{format}"))
    assert response.status_code == 200
    text = body(response)
    if format == "json":
        assert json.loads(text) == []
    elif format == "csv":
        assert list(csv.DictReader(io.StringIO(text))) == [] and text.startswith("\ufeffslug,url,title,")
    else:
        assert text == ""
