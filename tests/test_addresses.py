"""Addresses that never break: a document's record number, a slug that changed, a person merged away."""

import pytest
from django.urls import reverse

from catalogue import curation
from catalogue.models import Document, Person, Status

from .helpers import html, text_of

pytestmark = pytest.mark.django_db


def test_a_record_number_leads_to_the_document_and_is_shown_on_its_page(client, sample, draft):
    document = Document.objects.published().first()
    response = client.get(f"/documents/id/{document.pk}/")
    assert response.status_code == 301 and response["Location"] == document.get_absolute_url()
    page = html(client.get(document.get_absolute_url()))
    assert text_of(page.select_one(".document__number")) == str(document.pk)
    # Unpublished or unknown numbers are not found, and say nothing more.
    for number in (draft.pk, 99_999_999):
        missing = client.get(f"/documents/id/{number}/")
        assert missing.status_code == 404 and draft.title not in missing.content.decode()


def test_a_document_whose_slug_changed_is_found_at_its_old_address_for_good(client, sample):
    document = Document.objects.published().first()
    old = document.slug
    document.slug = "a-new-address"
    document.save()
    for suffix in ("", "cite.bib", "cite.ris", "cite.json", "record.pdf"):
        response = client.get(f"/documents/{old}/{suffix}", {"in": "person=wang-ming", "at": "1"})
        assert response.status_code == 301, suffix
        assert response["Location"] == f"/documents/a-new-address/{suffix}?in=person%3Dwang-ming&at=1"
    # Changed again: the first address leads to the newest.
    document.slug = "a-newer-address"
    document.save()
    assert client.get(f"/documents/{old}/")["Location"] == "/documents/a-newer-address/"
    # Unpublished, it is found nowhere; a new document may take the old address.
    document.status = Status.DRAFT
    document.save()
    assert client.get(f"/documents/{old}/").status_code == 404
    document.status = Status.PUBLISHED
    document.save()
    other = Document.objects.published().exclude(pk=document.pk).first()
    other.slug = old
    other.save()
    assert client.get(f"/documents/{old}/").status_code == 200
    assert text_of(html(client.get(f"/documents/{old}/")).find("h1")) == other.title


def test_a_person_merged_into_another_is_found_at_the_old_address_until_the_merge_is_undone(client, sample):
    kept = Person.objects.get(slug="wang-ming")
    duplicate = Person.objects.create(name="Chen Shaoyu", sort_name="Chen, Shaoyu", slug="chen-shaoyu")
    Document.objects.published().first().people.add(duplicate)
    assert client.get("/people/chen-shaoyu/").status_code == 200
    [record] = curation.merge_people(kept, [duplicate])
    response = client.get("/people/chen-shaoyu/", {"page": "1"})
    assert response.status_code == 301 and response["Location"] == "/people/wang-ming/?page=1"
    curation.undo_merge(record)
    assert client.get("/people/chen-shaoyu/").status_code == 200
    assert client.get(reverse("catalogue:person-detail", args=["nobody-ever"])).status_code == 404


def test_the_record_number_on_the_page_is_the_one_in_its_citations(client, sample):
    document = Document.objects.published().first()
    page = html(client.get(document.get_absolute_url()))
    number = text_of(page.select_one(".document__number"))
    assert number == str(document.pk)
    assert f"no. {number}," in text_of(page.select_one("#citation-chicago"))
    bibtex = client.get(reverse("catalogue:document-bibtex", args=[document.slug])).content.decode()
    assert f"number = {{{number}}}" in bibtex
    csl = client.get(reverse("catalogue:document-csl-json", args=[document.slug])).json()
    assert csl[0]["number"] == number
