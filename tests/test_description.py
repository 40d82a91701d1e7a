"""Richer description: document types, topics (broader and narrower), organisations, other names and
authority links, as a researcher finds and reads them."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from catalogue.models import Document, DocumentType, Organisation, Person, Place, Status, Topic

from .factories import DocumentFactory
from .helpers import html, result_titles, text_of

pytestmark = pytest.mark.django_db

LISTING = "/documents/"
OAI_ID = "oai:catalogue.example.org:"
OAI_DC = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}


def count(response):
    return response.context["paginator"].count


def facet_names(response, name):
    page = html(response)
    return [text_of(a.select_one(".facet__name")) for a in page.select(f'a.facet__value[data-facet="{name}"]')]


def test_the_sample_s_documents_are_typed_as_their_titles_say(client, sample):
    minutes = Document.objects.published().filter(title__startswith="Minutes")
    assert set(minutes) == set(Document.objects.filter(document_type__slug="minutes")) and minutes.count() == 3
    response = client.get(LISTING, {"type": "minutes"})
    assert sorted(result_titles(response)) == sorted(minutes.values_list("title", flat=True))
    assert text_of(html(response).select_one("h1")) == "Documents of the type Minutes"
    assert "Minutes" in facet_names(client.get(LISTING), "type")
    page = html(client.get("/types/minutes/"))
    assert text_of(page.select_one(".entity__kind")) == "Document type" and "(3)" in text_of(page)
    # The managed list names types no document has yet; the public index shows only those in use.
    index = text_of(html(client.get("/types/")).main)
    assert "Minutes" in index and "Telegram" not in index
    assert client.get("/types/telegram/").status_code == 404


def test_a_broader_topic_finds_the_documents_of_its_narrower_topics(client, sample):
    broad = Topic.objects.get(slug="china-foreign-relations")
    narrower = Topic.objects.filter(parent=broad)
    expected = Document.objects.published().filter(topics__in=narrower).distinct()
    assert broad.documents.count() == 0 and expected.count() == 16
    response = client.get(LISTING, {"topic": "china-foreign-relations"})
    assert count(response) == 16
    assert text_of(html(response).select_one("h1")) == "Documents about China -- Foreign relations"
    # The narrower topic alone narrows.
    india = client.get(LISTING, {"topic": "china-foreign-relations-india"})
    assert count(india) == Document.objects.filter(topics__slug="china-foreign-relations-india").count() == 2
    # Its page gathers them, and names its narrower topics; a narrower one names its broader one.
    page = html(client.get("/topics/china-foreign-relations/"))
    assert "(16)" in text_of(page.select_one("#documents-heading"))
    assert "China -- Foreign relations -- India" in text_of(page.select_one(".entity__narrower"))
    page = html(client.get("/topics/china-foreign-relations-india/"))
    assert text_of(page.select_one(".entity__broader")) == "Under China -- Foreign relations"
    # The index is a tree: the narrower topics inside their broader one.
    tree = html(client.get("/topics/"))
    nested = tree.select(".topic-tree .topic-tree a")
    assert "China -- Foreign relations -- Soviet Union" in [text_of(a) for a in nested]


def test_a_topic_cannot_sit_under_itself(sample):
    broad = Topic.objects.get(slug="china-foreign-relations")
    broad.parent = Topic.objects.get(slug="china-foreign-relations-india")
    with pytest.raises(ValidationError, match="cannot sit under itself"):
        broad.full_clean()


def test_organisations_have_pages_facets_and_filters(client, sample):
    cpsu = Organisation.objects.get(slug="communist-party-of-the-soviet-union")
    response = client.get(LISTING, {"organisation": cpsu.slug})
    assert count(response) == cpsu.documents.published().count() == 2
    assert text_of(html(response).select_one("h1")) == "Documents tagged with Communist Party of the Soviet Union"
    assert "Chinese Communist Party" in facet_names(client.get(LISTING), "organisation")
    page = html(client.get(cpsu.get_absolute_url()))
    assert text_of(page.select_one(".entity__kind")) == "Organisation"
    variants = [text_of(name) for name in page.select(".entity__variants .entity__variant")]
    assert variants[:2] == ["CPSU", "Soviet Communist Party"] and "КПСС" in variants


@pytest.mark.parametrize("words", ["Chen Shaoyu", "王明", "Ван Мин", "Mao Tse-tung", "Kuomintang"])
def test_every_other_name_finds_the_documents_of_what_it_names(client, sample, words):
    response = client.get(LISTING, {"q": words, "per_page": 100})
    found = {document.title for document in response.context["documents"]}
    named = {
        "Chen Shaoyu": Person.objects.get(slug="wang-ming").documents,
        "王明": Person.objects.get(slug="wang-ming").documents,
        "Ван Мин": Person.objects.get(slug="wang-ming").documents,
        "Mao Tse-tung": Person.objects.get(slug="mao-zedong").documents,
        "Kuomintang": Organisation.objects.get(slug="guomindang").documents,
    }[words]
    assert found and found >= set(named.published().values_list("title", flat=True))


def test_a_person_s_page_shows_other_names_and_authority_records(client, sample):
    page = html(client.get("/people/wang-ming/"))
    assert "Chen Shaoyu" in text_of(page.select_one(".entity__variants"))
    mao = html(client.get("/people/mao-zedong/"))
    wikidata = mao.select_one('.entity__authorities a[href="https://www.wikidata.org/wiki/Q5816"]')
    assert text_of(wikidata) == "Wikidata"


def test_the_json_ld_states_authority_records_and_coordinates(client, sample):
    document = Document.objects.get(title="Conversation between Stalin and Mao, Moscow, 22 January 1950")
    data = json.loads(
        html(client.get(document.get_absolute_url())).select_one('script[type="application/ld+json"]').string
    )
    mao = next(node for node in data["about"] if node["name"] == "Mao Zedong")
    assert mao["sameAs"] == ["https://www.wikidata.org/wiki/Q5816"] and "毛泽东" in mao["alternateName"]
    china = next(place for place in data["spatialCoverage"] if place["name"] == "China")
    assert china["geo"] == {"@type": "GeoCoordinates", "latitude": 35.0, "longitude": 103.0}
    assert data["genre"] == "Record of conversation"
    assert {"@type": "DefinedTerm", "name": "China -- Foreign relations -- Soviet Union"} in [
        {key: node[key] for key in ("@type", "name")} for node in data["about"]
    ]


def test_meta_tags_and_oai_give_the_type_and_the_subjects(client, sample):
    document = Document.objects.get(title__startswith="Minutes of Chairman Mao Zedong's First Meeting")
    page = html(client.get(document.get_absolute_url()))
    types = [meta["content"] for meta in page.select('meta[name="DC.type"]')]
    subjects = [meta["content"] for meta in page.select('meta[name="DC.subject"]')]
    assert types == ["Text", "Minutes"] and "China -- Foreign relations -- India" in subjects
    identifier = f"{OAI_ID}{document.slug}"
    record = etree.fromstring(
        client.get("/oai/", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier}).content
    )
    assert [t.text for t in record.iterfind(".//dc:type", OAI_DC)] == ["Text", "Minutes"]
    assert "China -- Foreign relations -- India" in [s.text for s in record.iterfind(".//dc:subject", OAI_DC)]


def test_the_csv_export_and_the_api_carry_types_topics_and_organisations(client, sample):
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("catalogue:document-export-csv"), {"type": "statement"})
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 1 and rows[0]["type"] == "Statement"
    assert rows[0]["organisations"] == "Chinese Communist Party; NKVD"
    assert rows[0]["topics"] == "Political prisoners -- Soviet Union"
    item = client.get("/api/v1/documents/", {"type": "statement"}).json()["results"][0]
    assert item["type"]["name"] == "Statement" and [o["slug"] for o in item["organisations"]] == [
        "chinese-communist-party",
        "nkvd",
    ]
    topic = client.get("/api/v1/topics/china-foreign-relations-india/").json()
    assert topic["broader"] == "china-foreign-relations" and topic["document_count"] == 2
    place = client.get("/api/v1/places/china/").json()
    assert place["latitude"] == 35.0 and place["same_as"] == ["https://www.wikidata.org/wiki/Q148"]


def test_an_import_brings_types_topics_and_organisations(tmp_path, sample):
    path = tmp_path / "documents.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "title", "date", "type", "organisations", "topics"])
        writer.writerow(["cable-one", "Cable one", "1957", "telegram", "guomindang", "china-foreign-relations-india"])
    call_command("import_documents", str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    document = Document.objects.get(slug="cable-one")
    assert document.document_type.slug == "telegram"
    assert [o.slug for o in document.organisations.all()] == ["guomindang"]
    assert [t.slug for t in document.topics.all()] == ["china-foreign-relations-india"]


def test_what_only_a_draft_carries_stays_private(client, sample):
    secret = Organisation.objects.create(name="Secret Bureau", slug="secret-bureau", other_names="Тайное бюро")
    topic = Topic.objects.create(name="Hidden matters", slug="hidden-matters")
    draft = DocumentFactory(status=Status.DRAFT, title="A draft")
    draft.organisations.add(secret)
    draft.topics.add(topic)
    for address in ("/organisations/secret-bureau/", "/topics/hidden-matters/"):
        assert client.get(address).status_code == 404
    for address in ("/organisations/", "/topics/", LISTING, "/api/v1/organisations/"):
        assert "Secret Bureau" not in client.get(address).content.decode()
    assert count(client.get(LISTING, {"q": "Тайное бюро"})) == 0
    refused = client.get(LISTING, {"organisation": "secret-bureau"})
    assert count(refused) == 0 and "Secret Bureau" not in refused.content.decode()


def test_the_admin_finds_a_person_by_another_name_and_refuses_a_malformed_identifier(client, sample):
    admin = User.objects.create_superuser("admin", "admin@example.org", "pass")
    client.force_login(admin)
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "catalogue", "model_name": "document", "field_name": "people", "term": "Chen Shaoyu"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["Wang Ming"]
    place = Place.objects.get(slug="china")
    place.wikidata = "https://www.wikidata.org/wiki/Q148"
    with pytest.raises(ValidationError, match="Give the Wikidata identifier alone"):
        place.full_clean()
    place.wikidata, place.latitude, place.longitude = "Q148", 95, None
    with pytest.raises(ValidationError) as refused:
        place.full_clean()
    assert "latitude" in refused.value.message_dict


def test_a_type_renamed_is_renamed_in_every_entry_of_the_api(client, sample):
    minutes = DocumentType.objects.get(slug="minutes")
    minutes.name = "Minutes of a meeting"
    minutes.save()
    items = client.get("/api/v1/documents/", {"type": "minutes"}).json()["results"]
    assert len(items) == 3 and {item["type"]["name"] for item in items} == {"Minutes of a meeting"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Krushchev", "Khrushchev"),
        ("Mikojan", "Mikoyan"),
        ("Krushchev Mao", "Khrushchev Mao"),
        ("Kuomintnag", "Kuomintang"),
    ],
)
def test_a_misspelt_name_is_offered_as_the_name_it_is_like(client, sample, typed, meant):
    response = client.get(LISTING, {"q": typed})
    assert count(response) == 0
    offer = html(response).select_one(".did-you-mean a")
    assert text_of(offer) == meant
    assert count(client.get(LISTING + offer["href"])) > 0


def test_nothing_is_offered_for_a_search_that_finds_or_for_names_only_drafts_carry(client, sample):
    assert html(client.get(LISTING, {"q": "Khrushchev"})).select_one(".did-you-mean") is None
    secret = Person.objects.create(name="Zbigniew Qwertyuk", slug="zbigniew-qwertyuk", sort_name="Qwertyuk")
    DocumentFactory(status=Status.DRAFT).people.add(secret)
    assert html(client.get(LISTING, {"q": "Qwertyuck"})).select_one(".did-you-mean") is None


def test_the_places_are_on_a_map_drawn_on_the_server_each_sized_by_its_documents(client, sample):
    page = html(client.get("/places/"))
    markers = {a["href"]: a for a in page.select("svg.place-map__drawing a.place-map__place")}
    places = {place.get_absolute_url(): place for place in Place.objects.public()}
    assert set(markers) == set(places) and len(markers) == 7
    radius = {href: float(a.select_one("circle")["r"]) for href, a in markers.items()}
    busiest = max(places.values(), key=lambda place: place.document_count)
    assert radius[busiest.get_absolute_url()] == max(radius.values())
    assert markers["/places/china/"]["aria-label"] == f"China: {places['/places/china/'].document_count} documents"
    # China lies east of Poland and south of the Soviet Union's point on the map.
    circle = {href: markers[href].select_one("circle") for href in markers}
    assert float(circle["/places/china/"]["cx"]) > float(circle["/places/poland/"]["cx"])
    assert float(circle["/places/china/"]["cy"]) > float(circle["/places/soviet-union/"]["cy"])
    # The land comes from this site, and nothing else is fetched: no tile server, no script.
    assert [image["href"] for image in page.select("svg image")] == ["/static/catalogue/world-land.svg"]
    assert not page.select("main script")
    land = client.get("/static/catalogue/world-land.svg")
    assert land.status_code == 200 and b"<path" in b"".join(land.streaming_content)
    # The list stays beneath it, for every place.
    assert len(page.select(".index-list li")) == 7


def test_a_place_without_coordinates_is_listed_and_said_to_be_off_the_map(client, sample):
    Place.objects.filter(slug="poland").update(latitude=None, longitude=None)
    page = html(client.get("/places/"))
    assert "/places/poland/" not in [a["href"] for a in page.select("svg a")]
    assert "Poland" in text_of(page.select_one(".index-list"))
    assert "1 place has no coordinates yet" in text_of(page.select_one(".place-map figcaption"))
