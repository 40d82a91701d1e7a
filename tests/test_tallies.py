"""The kept counts stay equal to a fresh recount through every kind of change."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from catalogue import curation, tallies
from catalogue.models import (
    Collection,
    Document,
    Event,
    Language,
    Person,
    Place,
    Repository,
    Status,
    Topic,
    YearTally,
)

from .helpers import html, text_of

pytestmark = pytest.mark.django_db

MODELS = (Person, Place, Event, Collection, Language, Repository)


def kept():
    counts = {model.__name__: dict(model.objects.values_list("slug", "document_count")) for model in MODELS}
    counts["years"] = dict(YearTally.objects.values_list("year", "document_count"))
    return counts


def assert_current():
    """The kept counts equal a recount from scratch."""
    before = kept()
    tallies.rebuild()
    assert before == kept()


def test_sample_counts_are_current_after_loading(sample):
    assert Person.objects.get(slug="mao-zedong").document_count == 15
    assert tallies.published_total() == 17
    assert_current()


def test_create_publish_unpublish_delete(sample):
    document = Document.objects.create(title="New", date="1962-04", status=Status.DRAFT)
    document.people.add(Person.objects.get(slug="mao-zedong"))
    assert Person.objects.get(slug="mao-zedong").document_count == 15  # a draft counts for nothing
    assert_current()
    Document.objects.filter(pk=document.pk).transition("publish")
    assert Person.objects.get(slug="mao-zedong").document_count == 16
    assert YearTally.objects.get(year=1962).document_count == 1
    assert_current()
    Document.objects.filter(pk=document.pk).transition("unpublish")
    assert Person.objects.get(slug="mao-zedong").document_count == 15
    assert not YearTally.objects.filter(year=1962).exists()
    assert_current()
    published = Document.objects.published().filter(people__slug="wang-ming").first()
    published.delete()
    assert Person.objects.get(slug="wang-ming").document_count == 13
    assert tallies.published_total() == 16
    assert_current()


def test_changing_a_published_documents_date_language_and_tags(sample):
    document = Document.objects.get(title__startswith="Record of a Meeting")
    document.date = "1971"
    document.language = Language.objects.get(slug="polish")
    document.save()
    document.people.remove(Person.objects.get(slug="kim-il-sung"))
    document.places.clear()
    document.events.set([Event.objects.get(slug="cultural-revolution")])
    Person.objects.get(slug="zhou-enlai").documents.add(document)  # from the other side
    Collection.objects.get(slug="albania-in-the-cold-war").documents.clear()
    assert_current()


def test_stale_entity_in_memory_does_not_overwrite_its_count(sample):
    mao = Person.objects.get(slug="mao-zedong")
    document = Document.objects.create(title="More Mao", status=Status.PUBLISHED)
    document.people.add(mao)
    mao.note = "Chairman of the CCP."
    mao.save()  # `mao` still holds the old count in memory
    assert Person.objects.get(slug="mao-zedong").document_count == 16
    assert_current()


def test_import_keeps_counts_current(sample, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text(
        "identifier,title,date,people,places\n"
        "imported-one,One,1980,mao-zedong; new:Somebody,china\n"
        "imported-two,Two,1981-02,wang-ming,india\n",
        encoding="utf-8",
    )
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("ed")
    editor.groups.add(Group.objects.get(name="Editor"))
    call_command(
        "import_documents", str(path), "--no-progress", "--user", "ed", "--status", "published", stdout=io.StringIO()
    )
    assert Person.objects.get(slug="somebody").document_count == 1
    assert Place.objects.get(slug="india").document_count == 3
    assert_current()
    # Re-import that moves a published document from India to Albania.
    path.write_text("identifier,title,places\nimported-two,Two,albania\n", encoding="utf-8")
    call_command("import_documents", str(path), "--no-progress", "--user", "ed", stdout=io.StringIO())
    assert Place.objects.get(slug="india").document_count == 2
    assert_current()


def test_merge_and_undo_keep_counts_current(sample):
    twin = Person.objects.create(name="Mao Tse-tung", sort_name="Mao, Tse-tung", slug="mao-tse-tung")
    extra = Document.objects.create(title="Old spelling", status=Status.PUBLISHED)
    extra.people.add(twin)
    mao = Person.objects.get(slug="mao-zedong")
    curation.merge_people(mao, [twin])
    assert Person.objects.get(slug="mao-zedong").document_count == 16
    assert_current()
    from catalogue.models import PersonMerge

    curation.undo_merge(PersonMerge.objects.get())
    assert Person.objects.get(slug="mao-tse-tung").document_count == 1
    assert Person.objects.get(slug="mao-zedong").document_count == 15
    assert_current()


def test_admin_actions_keep_counts_current(admin_client, sample):
    documents = list(Document.objects.published().filter(people__slug="wang-ming")[:3])
    admin_client.post(
        reverse("admin:catalogue_document_changelist"),
        {"action": "unpublish", ACTION_CHECKBOX_NAME: [d.pk for d in documents]},
    )
    assert Person.objects.get(slug="wang-ming").document_count == 11
    assert_current()


def test_recount_command_repairs_counts_changed_behind_djangos_back(sample):
    Document.objects.filter(title__startswith="Record of a Meeting").update(status=Status.DRAFT)  # no signals
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "16 published documents" in out.getvalue()
    assert Person.objects.get(slug="kim-il-sung").document_count == 1


# Large result sets ---------------------------------------------------------------


@override_settings(CATALOGUE_COUNT_CAP=5, CATALOGUE_FACET_SAMPLE=3)
def test_counts_past_the_cap_are_labelled_not_faked(client, sample):
    response = client.get(reverse("catalogue:document-list"), {"q": "Mao"})
    page = html(response)
    assert text_of(page.select_one(".results-count")) == "Results: 1 - 5 of more than 5"
    assert response.context["paginator"].capped
    assert "from a sample of 3 of the results" in text_of(page.select_one(".facets__sample"))
    assert "From a sample of 3 results" in text_of(page.select_one(".timeline figcaption"))
    people = next(f for f in response.context["facets"] if f["name"] == "person")
    assert sum(v["count"] for v in people["values"] if v["entity"].slug == "mao-zedong") == 3
    languages = next(f for f in response.context["facets"] if f["name"] == "language")
    assert sum(v["count"] for v in languages["values"]) <= 3
    # Only the counted results can be paged to; the message says how to reach the rest.
    response = client.get(reverse("catalogue:document-list"), {"q": "Mao", "page": 2})
    assert response.status_code == 404
    assert "narrow the search" in response.content.decode()


@override_settings(CATALOGUE_COUNT_CAP=5)
def test_unfiltered_and_single_entity_counts_are_exact_from_tallies(client, sample):
    response = client.get(reverse("catalogue:document-list"))
    assert text_of(html(response).select_one(".results-count")) == "Results: 1 - 10 of 17"
    assert response.context["sample"] is None
    response = client.get(reverse("catalogue:document-list"), {"person": "wang-ming"})
    assert text_of(html(response).select_one(".results-count")) == "Results: 1 - 10 of 14"


@override_settings(CATALOGUE_COUNT_CAP=5, CATALOGUE_FACET_SAMPLE=3)
def test_a_broad_topic_past_the_cap_is_counted_exactly_and_faceted_over_a_sample(client, sample):
    response = client.get(reverse("catalogue:document-list"), {"topic": "china-foreign-relations"})
    page = html(response)
    # Its narrower topics' documents, each once, from the kept count: exact, not "more than 5".
    assert text_of(page.select_one(".results-count")) == "Results: 1 - 10 of 16"
    assert "from a sample of 3 of the results" in text_of(page.select_one(".facets__sample"))
    languages = next(f for f in response.context["facets"] if f["name"] == "language")
    assert sum(v["count"] for v in languages["values"]) == 3
    # Every one of the 16 can be paged to.
    second = client.get(reverse("catalogue:document-list"), {"topic": "china-foreign-relations", "page": 2})
    assert text_of(html(second).select_one(".results-count")) == "Results: 11 - 16 of 16"
    topic_page = html(client.get("/topics/china-foreign-relations/"))
    assert "(16)" in text_of(topic_page.select_one("#documents-heading"))


def test_a_broader_topic_keeps_the_count_of_the_documents_it_gathers(sample):
    def gathered(slug):
        return Topic.objects.get(slug=slug).gathered_count

    broad = "china-foreign-relations"
    india, soviet = f"{broad}-india", f"{broad}-soviet-union"
    assert (gathered(broad), gathered(india)) == (16, 2)
    assert gathered(india) == Topic.objects.get(slug=india).document_count
    # A document on two narrower topics is gathered once.
    on_india = Document.objects.published().filter(topics__slug=india).order_by("pk")
    first, second = on_india
    first.topics.add(Topic.objects.get(slug=soviet))
    assert gathered(broad) == 16
    second.status = Status.DRAFT
    second.save()
    assert (gathered(broad), gathered(india)) == (15, 1)
    # Moved under another broader topic, a topic takes its documents with it.
    asia = Topic.objects.create(name="Asia", slug="asia")
    moved = Topic.objects.get(slug=india)
    moved.parent = asia
    moved.save()
    assert (gathered("asia"), gathered(broad)) == (1, 15)  # the first is still on the Soviet Union topic
    Topic.objects.get(slug=india).delete()
    assert gathered("asia") == 0
    assert tallies.drift() == []
    # A count set behind the catalogue's back is reported, and mended by a recount.
    Topic.objects.filter(slug=broad).update(gathered_count=3)
    assert tallies.drift() == [(f"topic {broad} with its narrower topics", 3, 15)]
    tallies.rebuild()
    assert gathered(broad) == 15 and tallies.drift() == []


@override_settings(CATALOGUE_MAX_BROWSABLE=12)
def test_pages_past_the_browsable_limit_are_a_clear_404(client, sample):
    assert client.get(reverse("catalogue:document-list"), {"page": 2}).status_code == 200
    response = client.get(reverse("catalogue:document-list"), {"page": 3})
    assert response.status_code == 404
    assert "Only the first 12 results can be browsed" in response.content.decode()


# A change and its recount are one: a request that dies between them must not leave them apart. ----


@pytest.mark.django_db(transaction=True)
def test_a_status_change_whose_recount_fails_is_not_committed(monkeypatch):
    person = Person.objects.create(name="Only Here", sort_name="Here, Only", slug="only-here")
    document = Document.objects.create(title="Once public", date="1950", status=Status.PUBLISHED)
    document.people.add(person)
    assert Person.objects.get(pk=person.pk).document_count == 1

    def dies(*args, **kwargs):
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(tallies, "refresh_after", dies)
    with pytest.raises(RuntimeError):
        Document.objects.filter(pk=document.pk).transition("unpublish")
    # Neither the status nor the counts moved: they still agree.
    assert Document.objects.get(pk=document.pk).status == Status.PUBLISHED
    assert Person.objects.get(pk=person.pk).document_count == 1
    monkeypatch.undo()
    Document.objects.filter(pk=document.pk).transition("unpublish")
    assert Person.objects.get(pk=person.pk).document_count == 0


def test_a_name_known_only_from_drafts_stays_private_even_when_its_count_drifts(client, sample):
    person = Person.objects.create(name="Drafted Person", sort_name="Person, Drafted", slug="drafted-person")
    Document.objects.create(title="A draft", status=Status.DRAFT).people.add(person)
    # As if a count had drifted behind Django's back.
    Person.objects.filter(pk=person.pk).update(document_count=500)
    assert client.get(reverse("catalogue:person-detail", args=["drafted-person"])).status_code == 404
    listing = client.get(reverse("catalogue:document-list"), {"person": "drafted-person"})
    assert "person" in listing.context["filter"].errors
    landing = client.get(reverse("catalogue:document-list"))
    assert "Drafted Person" not in landing.content.decode()
    assert "drafted-person" not in client.get("/sitemap-people.xml").content.decode()
    assert "Drafted Person" not in client.get(reverse("catalogue:person-index")).content.decode()


def test_recount_check_reports_drift_and_recount_mends_it(sample):
    call_command("recount", "--check", stdout=io.StringIO())  # nothing drifted: no error
    Person.objects.filter(slug="mao-zedong").update(document_count=3)
    YearTally.objects.filter(year=1956).update(document_count=99)
    errors = io.StringIO()
    with pytest.raises(CommandError, match="2 kept counts differ"):
        call_command("recount", "--check", stdout=io.StringIO(), stderr=errors)
    assert "person mao-zedong: kept 3, counted 15" in errors.getvalue()
    assert "year 1956: kept 99" in errors.getvalue()
    call_command("recount", stdout=io.StringIO())
    call_command("recount", "--check", stdout=io.StringIO())
