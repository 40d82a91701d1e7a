import pytest
from django.core.management import call_command

from catalogue.models import Collection, Document, Event, Language, Person, Place, Status

from .helpers import READER_NOTES

pytestmark = pytest.mark.django_db


# Words of the catalogue's making that public text must not use.
JARGON = ("seed", "fixture", "tag of", "listing", "sample", "slug", "todo")


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("slug", flat=True))
        for model in (Document, Person, Event, Place, Collection, Language)
    } | {"links": Document.people.through.objects.count() + Document.places.through.objects.count()}


def test_sample_loads_into_an_empty_database_with_every_fact(empty_catalogue, facts):
    call_command("loaddata", "sample", verbosity=0)
    assert Document.objects.count() == 17
    assert set(Document.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    for source in facts["documents"]:
        document = Document.objects.get(title=source["title"], date=source["date"])
        assert document.date_display == source["date_display"]
        assert document.summary == source["summary"]
        assert document.source == (source["source"] or "")
        assert document.credit == (source["credit"] or "")
        assert (document.language.name if document.language else None) == source["language"]
        assert sorted(document.people.values_list("slug", flat=True)) == sorted(source["people"])
        assert sorted(document.places.values_list("slug", flat=True)) == sorted(source["places"])
        assert sorted(document.events.values_list("slug", flat=True)) == sorted(source["events"])
        assert sorted(document.collections.values_list("slug", flat=True)) == sorted(source["collections"])
    for slug, person in facts["people"].items():
        row = Person.objects.get(slug=slug)
        assert (row.name, row.sort_name, row.born, row.died) == (
            person["name"],
            person["sort_name"],
            person.get("born"),
            person.get("died"),
        )
        assert row.note == READER_NOTES.get(slug, person.get("note") or "")
    for slug, event in facts["events"].items():
        row = Event.objects.get(slug=slug)
        assert (row.name, row.start, row.end) == (event["name"], event["start"], event["end"])
    assert dict(Place.objects.values_list("slug", "name")) == facts["places"]
    assert dict(Collection.objects.values_list("slug", "name")) == facts["collections"]


def test_loading_twice_changes_nothing():
    call_command("loaddata", "sample", verbosity=0)
    before = snapshot()
    call_command("loaddata", "sample", verbosity=0)
    assert snapshot() == before


def test_load_sample_never_loads_over_existing_data(capsys):
    call_command("load_sample")
    call_command("load_sample")
    assert "already holds 17 documents" in capsys.readouterr().out
    assert Document.objects.count() == 17


def test_test_copy_of_the_seed_matches_shared(facts):
    from .conftest import HERE, SHARED_SEED

    if not SHARED_SEED.is_dir():
        pytest.skip("../shared/seed is not beside this checkout")
    for name in ("listing.json", "sample-catalogue.json"):
        assert (HERE / "seed" / name).read_bytes() == (SHARED_SEED / name).read_bytes()


def test_public_text_of_the_sample_is_written_for_readers():
    call_command("loaddata", "sample", verbosity=0)
    texts = [
        *Document.objects.values_list("title", "summary", "source", "credit"),
        *Person.objects.values_list("name", "note"),
        *Event.objects.values_list("name", "description"),
        *Place.objects.values_list("name", flat=False),
        *Collection.objects.values_list("name", "description"),
    ]
    found = [text for row in texts for text in row if any(word in text.lower() for word in JARGON)]
    assert found == []
