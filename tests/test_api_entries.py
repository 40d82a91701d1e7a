"""The API's kept list entries: a list reads them, and every change a reader could see in one rewrites them."""

import pytest
from django.core.cache import cache

from catalogue import records
from catalogue.models import Document, DocumentEntry, EntryNames, Language, Person, Place, Status

from .factories import DocumentFactory, PersonFactory

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/documents/"


@pytest.fixture(autouse=True)
def _fresh_answers():
    cache.clear()
    yield
    cache.clear()


def listed(client, **params):
    """{slug: entry} of every document the API lists with these parameters."""
    body = client.get(DOCUMENTS, {"limit": 500, **params}).json()
    return {item["slug"]: item for item in body["results"]}


def kept(document):
    entry = DocumentEntry.objects.filter(document=document).first()
    return entry.body if entry else None


def test_every_published_document_of_the_sample_has_an_entry_the_same_as_one_built_afresh(client, sample):
    published = list(Document.objects.published().order_by("pk").values_list("pk", flat=True))
    entries = dict(DocumentEntry.objects.values_list("document_id", "body"))
    assert sorted(entries) == published and len(published) == 17
    first = client.get(DOCUMENTS, {"limit": 500}).content
    DocumentEntry.objects.all().delete()
    cache.clear()
    # Built afresh from the documents: the same bytes, and the same addresses on the asking site.
    assert client.get(DOCUMENTS, {"limit": 500}).content == first
    assert b"\\u0000" not in first and b'"http://testserver/documents/' in first


def test_addresses_in_kept_entries_are_on_the_site_that_asks(client, sample, settings):
    settings.ALLOWED_HOSTS = ["testserver", "archive.example.org"]
    entry = next(iter(listed(client, person="wang-ming").values()))
    assert entry["links"]["html"].startswith("http://testserver/documents/")
    cache.clear()
    other = client.get(DOCUMENTS, {"person": "wang-ming"}, HTTP_HOST="archive.example.org").json()["results"][0]
    assert other["links"]["html"] == entry["links"]["html"].replace("testserver", "archive.example.org")
    assert other["language"]["url"].startswith("http://archive.example.org/")


def test_a_renamed_person_is_renamed_in_every_entry_and_a_note_alone_rewrites_none(client, sample):
    person = Person.objects.get(slug="wang-ming")
    documents = list(person.documents.published())
    untouched = kept(documents[0])
    person.note = "A note that no list shows."
    person.save()
    assert kept(documents[0]) == untouched
    person.name, person.slug = "Wang Ming (Chen Shaoyu)", "wang-ming-chen-shaoyu"
    person.save()
    for document in documents:
        assert "Wang Ming (Chen Shaoyu)" in kept(document)
    entries = listed(client, person="wang-ming-chen-shaoyu")
    assert len(entries) == len(documents)
    for entry in entries.values():
        assert {"id": person.pk, "slug": "wang-ming-chen-shaoyu", "name": "Wang Ming (Chen Shaoyu)"} in entry["people"]
    # The exports read the names kept beside the entries: renamed in the same change.
    names = list(EntryNames.objects.filter(document__in=documents).values_list("names", flat=True))
    assert len(names) == len(documents) and all("Wang Ming (Chen Shaoyu)" in text for text in names)
    exported = client.get("/documents/export.csv", {"person": "wang-ming-chen-shaoyu"}).content.decode()
    assert exported.count("Wang Ming (Chen Shaoyu)") == len(documents)


def test_a_renamed_language_is_renamed_in_its_documents_entries(client, sample):
    language = Language.objects.get(name="Russian")
    language.name = "Russian (original)"
    language.save()
    entries = listed(client, language=language.slug)
    assert entries and all(entry["language"]["name"] == "Russian (original)" for entry in entries.values())


def test_tags_added_and_removed_from_either_side_are_in_the_entries(client, sample):
    document = Document.objects.published().filter(people__slug="wang-ming").first()
    newcomer = PersonFactory(name="Kang Sheng", slug="kang-sheng")
    document.people.add(newcomer)
    assert "Kang Sheng" in kept(document)
    assert "kang-sheng" in [p["slug"] for p in listed(client)[document.slug]["people"]]
    newcomer.documents.remove(document)
    assert "Kang Sheng" not in kept(document)
    place = Place.objects.get(slug="soviet-union")
    place.documents.clear()
    cache.clear()
    assert all(entry["places"] == [] or "soviet-union" not in str(entry["places"]) for entry in listed(client).values())


def test_an_edit_rewrites_the_entry_and_unpublishing_drops_it(client, sample):
    document = Document.objects.published().first()
    document.title = "Telegram about the harbour"
    document.save()
    assert '"title":"Telegram about the harbour"' in kept(document)
    assert listed(client)[document.slug]["title"] == "Telegram about the harbour"
    assert EntryNames.objects.filter(document=document).exists()
    Document.objects.filter(pk=document.pk).transition("unpublish")
    assert kept(document) is None
    # Its names kept for the exports go with the entry.
    assert not EntryNames.objects.filter(document=document).exists()
    cache.clear()
    assert document.slug not in listed(client)
    Document.objects.filter(pk=document.pk).transition("publish")
    assert '"title":"Telegram about the harbour"' in kept(document)
    assert EntryNames.objects.filter(document=document).exists()


def test_an_entry_of_an_older_shape_or_one_missing_is_never_served(client, sample):
    document = Document.objects.published().first()
    DocumentEntry.objects.filter(document=document).update(body='{"title":"stale"}', format=records.FORMAT - 1)
    assert listed(client)[document.slug]["title"] == document.title
    # `fill` (run by `recount`) writes what is missing or of another shape, and nothing else.
    DocumentEntry.objects.exclude(document=document).delete()
    EntryNames.objects.update(format=records.FORMAT - 1)
    assert records.fill() == 17
    assert DocumentEntry.objects.filter(format=records.FORMAT).count() == 17
    assert EntryNames.objects.filter(format=records.FORMAT).count() == 17


def test_a_draft_has_no_entry_until_it_is_published(client, sample):
    draft = DocumentFactory(status=Status.DRAFT, title="A draft nobody may list")
    assert kept(draft) is None
    draft.status = Status.PUBLISHED
    draft.save()
    assert "A draft nobody may list" in kept(draft)
    assert draft.slug in listed(client)


def test_a_deleted_person_leaves_the_entries_of_its_documents(client, sample):
    person = PersonFactory(name="Someone Passing", slug="someone-passing")
    document = Document.objects.published().first()
    document.people.add(person)
    assert "Someone Passing" in kept(document)
    person.delete()
    assert "Someone Passing" not in kept(document)
