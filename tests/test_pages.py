"""Public pages of people, events, places and collections, and the document page's extras."""

import json
import re

import bibtexparser
import pytest
import rispy
from django.urls import reverse

from catalogue.models import Collection, Document, Event, Person, Place, Repository

from .helpers import html, result_titles, text_of
from .test_fixture import READER_NOTES

pytestmark = pytest.mark.django_db


def published_documents_of(facts, key, slug):
    return [d for d in facts["documents"] if slug in d[key]]


def test_person_page(client, sample, facts):
    response = client.get(reverse("catalogue:person-detail", args=["wang-ming"]))
    assert response.status_code == 200
    page = html(response)
    assert text_of(page.find("h1")) == "Wang Ming"
    assert text_of(page.select_one(".entity__dates")) == "1904–1974"
    assert text_of(page.select_one(".entity__note")) == READER_NOTES["wang-ming"]
    assert response.context["paginator"].count == 14
    # Date order, oldest first.
    dates = [d.date_start for d in response.context["paginator"].object_list]
    assert dates == sorted(dates)
    assert result_titles(response)[0] == "Memorandum of Conversation between Anastas Mikoyan and Mao Zedong"
    # Appears most often with: counts from the sample by hand (Mao on 12 of Wang Ming's 14).
    companions = {p.slug: p.result_count for p in response.context["people"]}
    assert "wang-ming" not in companions
    assert companions["mao-zedong"] == 12 and companions["anastas-mikoyan"] == 5
    assert page.select_one('a[href="/documents/?person=wang-ming"]') is not None
    assert response.context["timeline"].total == 14
    page2 = client.get(reverse("catalogue:person-detail", args=["wang-ming"]), {"page": 2})
    assert len(page2.context["documents"]) == 4


def test_people_index_is_a_to_z_with_counts(client, sample, facts):
    response = client.get(reverse("catalogue:person-index"))
    people = list(response.context["object_list"])
    assert [p.sort_name for p in people] == sorted(p["sort_name"] for p in facts["people"].values())
    counts = {p.slug: p.document_count for p in people}
    for slug in facts["people"]:
        assert counts[slug] == len(published_documents_of(facts, "people", slug))
    assert counts["mao-zedong"] == 15
    letters = [a.get_text() for a in html(response).select(".letters a")]
    assert letters == sorted(letters) and "M" in letters


def test_event_page_and_index(client, sample, facts):
    response = client.get(reverse("catalogue:event-detail", args=["mikoyan-mission-1949"]))
    page = html(response)
    assert text_of(page.find("h1")) == "Mikoyan's secret mission to China"
    assert text_of(page.select_one(".entity__dates")) == "January 30, 1949 – February 8, 1949"
    assert response.context["paginator"].count == 3
    involved = {p.slug: p.result_count for p in response.context["people"]}
    assert involved["anastas-mikoyan"] == 3 and involved["mao-zedong"] == 3
    index = client.get(reverse("catalogue:event-index"))
    events = list(index.context["object_list"])
    assert [e.slug for e in events][:3] == ["great-purge", "chinese-civil-war", "mikoyan-mission-1949"]
    assert {e.slug: e.document_count for e in events}["ccp-8th-congress"] == 2
    assert "1945–1949" in text_of(html(index).find("main"))


def test_place_and_collection_pages(client, sample, facts):
    place = client.get(reverse("catalogue:place-detail", args=["india"]))
    assert place.context["paginator"].count == 2
    assert html(place).select_one('a[href="/documents/?place=india"]') is not None
    collection = client.get(reverse("catalogue:collection-detail", args=["albania-in-the-cold-war"]))
    assert collection.context["paginator"].count == 1
    places = {p.slug: p.document_count for p in client.get(reverse("catalogue:place-index")).context["object_list"]}
    assert places == {slug: len(published_documents_of(facts, "places", slug)) for slug in facts["places"]}
    collections = client.get(reverse("catalogue:collection-index")).context["object_list"]
    assert {c.slug: c.document_count for c in collections} == {
        slug: len(published_documents_of(facts, "collections", slug)) for slug in facts["collections"]
    }


@pytest.mark.parametrize("name", ["person-detail", "event-detail", "place-detail", "collection-detail"])
def test_unknown_entities_are_404(client, sample, name):
    assert client.get(reverse(f"catalogue:{name}", args=["no-such-thing"])).status_code == 404


def test_entity_known_only_from_drafts_is_not_public(client, draft):
    secret = Person.objects.create(name="Secret Informant", sort_name="Informant, Secret", slug="secret-informant")
    draft.people.add(secret)
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert "Secret Informant" not in client.get(reverse("catalogue:person-index")).content.decode()
    wang = client.get(reverse("catalogue:person-detail", args=["wang-ming"]))
    assert wang.context["paginator"].count == 14
    assert draft.title not in wang.content.decode()


def test_entity_page_bad_page_is_404(client, sample):
    assert client.get(reverse("catalogue:person-detail", args=["wang-ming"]), {"page": "x"}).status_code == 404


# The document page: citation, meta tags, JSON-LD, related documents ----------


@pytest.fixture
def shehu(sample):
    return Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")


def test_cite_box_gives_the_chicago_note_and_mla_as_their_csl_styles_render_them(client, shehu):
    page = html(client.get(shehu.get_absolute_url()))
    chicago = text_of(page.select_one("#citation-chicago"))
    # CMOS: headline-style capitals (prepositions lowercase), the comma inside the closing quotation mark,
    # the catalogue's permanent record number, the place in the archive and the archive, the URL.
    assert chicago == (
        "“Memorandum of Conversation between Albanian Council of Ministers Chairman Mehmet Shehu and Mao Zedong,” "
        f"no. {shehu.pk}, September 30, 1967, AQPPSH-MPKK-V. 1967, L. 19, D. 20, Central State Archive, Tirana, "
        f"http://testserver{shehu.get_absolute_url()}."
    )
    mla = page.select_one("#citation-mla")
    assert text_of(mla).startswith("“Memorandum of Conversation between Albanian Council")
    assert "30 Sept. 1967" in text_of(mla) and mla.find("i").get_text() == "Digital Archive of Historical Documents"
    assert text_of(mla).count("Mehmet Shehu") == 1  # a title standing in for the author is not repeated


def test_a_title_with_markup_is_text_in_every_citation_style(client, sample):
    document = Document.objects.create(title="<b>Bold</b> & “quoted”", status="published")
    page = html(client.get(document.get_absolute_url()))
    for style in ("chicago", "mla"):
        citation = page.select_one(f"#citation-{style}")
        assert citation.find("b") is None and "<b>Bold</b> &" in citation.get_text()


def test_bibtex_parses_with_escaped_fields(client, sample):
    document = Document.objects.create(
        title="Costs of 50% & more_in {brackets} #1", summary="A $ sign", date="1956-09", status="published"
    )
    response = client.get(reverse("catalogue:document-bibtex", args=[document.slug]))
    assert response["Content-Type"].startswith("application/x-bibtex")
    library = bibtexparser.parse_string(response.content.decode())
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry["title"] == r"{Costs of 50\% \& more\_in \{brackets\} \#1}"
    assert entry["year"] == "1956" and entry["date"] == "1956-09"
    assert entry["url"] == f"http://testserver{document.get_absolute_url()}"


def test_ris_files_the_archive_and_its_location_where_citation_managers_keep_them(client, shehu):
    response = client.get(reverse("catalogue:document-ris", args=[shehu.slug]))
    text = response.content.decode()
    (entry,) = rispy.loads(text, mapping={**rispy.TAG_KEY_MAPPING, "AV": "archive_location"})
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["title"] == shehu.title
    assert entry["year"] == "1967" and entry["date"] == "1967/09/30/"
    assert "Mehmet Shehu" in entry["keywords"]
    assert entry["urls"] == [f"http://testserver{shehu.get_absolute_url()}"]
    # DB is the archive in Zotero, EndNote and Mendeley; AN (an accession number) is not used.
    assert entry["name_of_database"] == "Central State Archive, Tirana" and "\r\nAN  - " not in text
    assert entry["archive_location"] == "AQPPSH-MPKK-V. 1967, L. 19, D. 20"
    assert entry["database_provider"] == "Digital Archive of Historical Documents"


def test_ris_gives_the_place_in_the_archive_as_av_when_the_archive_is_known(client, sample):
    archive = Repository.objects.create(name="Archive of Foreign Policy of the Russian Federation")
    document = Document.objects.create(
        title="Telegram", source="f. 0100, op. 49, d. 2", repository=archive, status="published"
    )
    text = client.get(reverse("catalogue:document-ris", args=[document.slug])).content.decode()
    assert f"DB  - {archive.name}\r\n" in text and "AV  - f. 0100, op. 49, d. 2\r\n" in text


def test_csl_json_is_the_item_the_page_citations_are_rendered_from(client, shehu):
    response = client.get(reverse("catalogue:document-csl-json", args=[shehu.slug]))
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = json.loads(response.content)
    assert item["type"] == "manuscript" and item["title"] == shehu.title
    assert item["issued"] == {"date-parts": [[1967, 9, 30]]} and item["archive"] == "Central State Archive, Tirana"
    assert item["archive_location"] == "AQPPSH-MPKK-V. 1967, L. 19, D. 20"
    assert item["URL"] == f"http://testserver{shehu.get_absolute_url()}"


def test_meta_tags_for_zotero_and_scholar(client, shehu):
    page = html(client.get(shehu.get_absolute_url()))

    def meta(name):
        return [m["content"] for m in page.find_all("meta", attrs={"name": name})]

    assert meta("citation_title") == [shehu.title]
    assert meta("citation_date") == ["1967/09/30"]
    assert meta("DC.title") == [shehu.title]
    assert meta("DC.date") == ["1967-09-30"]
    assert "Mao Zedong" in meta("DC.subject") and "Albania" in meta("DC.coverage")
    assert meta("DC.language") == ["Albanian"]
    # DC.* names are declared as Dublin Core; the credit line is the contributor, as in OAI and JSON-LD.
    assert page.find("link", rel="schema.DC")["href"] == "http://purl.org/dc/elements/1.1/"
    assert meta("DC.contributor") == [shehu.credit]


def test_json_ld_is_valid(client, shehu):
    page = html(client.get(shehu.get_absolute_url()))
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "ArchiveComponent"
    assert data["name"] == shehu.title and data["dateCreated"] == "1967-09-30"
    assert data["holdingArchive"]["name"] == "Central State Archive, Tirana"
    assert {p["name"] for p in data["about"] if p["@type"] == "Person"} >= {"Mao Zedong", "Koçi Xoxe"}


def test_json_ld_cannot_break_out_of_its_script(client, sample):
    document = Document.objects.create(title="</script><script>alert(1)</script>", status="published")
    body = client.get(document.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body
    data = json.loads(html(client.get(document.get_absolute_url())).find("script", type="application/ld+json").string)
    assert data["name"] == document.title


def test_related_documents_share_most_people_and_events(client, sample):
    first = Document.objects.get(
        title="Memorandum of Conversation between Anastas Mikoyan and Mao Zedong", date="1949-01-30"
    )
    related = client.get(first.get_absolute_url()).context["related"]
    # Its twin of February 3, 1949 shares Mikoyan, Mao, Wang Ming and both events.
    assert related[0].date == "1949-02-03" and related[0].shared == 5
    shared = [d.shared for d in related]
    assert shared == sorted(shared, reverse=True)
    assert first not in related


def test_result_lists_carry_coins(client, sample):
    page = html(client.get(reverse("catalogue:document-list"), {"person": "wang-ming", "place": "soviet-union"}))
    spans = page.select(".result span.Z3988")
    assert len(spans) == 10
    assert "rft.title=Record+of+a+Meeting" in spans[0]["title"]
    assert "ctx_ver=Z39.88-2004" in spans[0]["title"]


def test_sitemap_and_robots(client, draft):
    index = client.get(reverse("catalogue:sitemap"))
    assert index.status_code == 200
    documents = client.get(reverse("catalogue:sitemap-section", args=["documents"])).content.decode()
    assert documents.count("<url>") == 17
    assert draft.slug not in documents
    people = client.get(reverse("catalogue:sitemap-section", args=["people"])).content.decode()
    assert "/people/wang-ming/" in people
    # Topics (broader ones too), organisations and the types in use have their pages in it as well.
    topics = client.get(reverse("catalogue:sitemap-section", args=["topics"])).content.decode()
    assert "/topics/china-foreign-relations/" in topics and topics.count("<url>") == 10
    types = client.get(reverse("catalogue:sitemap-section", args=["types"])).content.decode()
    assert "/types/minutes/" in types and "/types/telegram/" not in types
    assert "/organisations/nkvd/" in client.get("/sitemap-organisations.xml").content.decode()
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_documents_sitemap_pages_by_ranges_of_ids_each_published_document_once(client, draft, monkeypatch):
    from catalogue.models import Document
    from catalogue.sitemaps import DocumentSitemap

    from .factories import DocumentFactory

    monkeypatch.setattr(DocumentSitemap, "limit", 4)  # a million documents' pages, at the sample's scale
    # Ids left unused (drafts, deletions) leave a page with fewer documents, or none.
    gap = DocumentFactory(published=True, pk=Document.objects.order_by("-pk").first().pk + 9)
    published = Document.objects.published()
    highest = max(published.values_list("pk", flat=True))
    pages = -(-highest // 4)
    assert highest == gap.pk and pages > -(-published.count() // 4)
    index = client.get(reverse("catalogue:sitemap")).content.decode()
    section = "http://testserver" + reverse("catalogue:sitemap-section", args=["documents"])
    assert f"<loc>{section}?p={pages}</loc>" in index and f"?p={pages + 1}<" not in index
    listed = []
    for page in range(1, pages + 1):
        response = client.get(reverse("catalogue:sitemap-section", args=["documents"]), {"p": page})
        assert response.status_code == 200
        listed += re.findall(r"<loc>http://testserver(/documents/[^<]+)</loc>", response.content.decode())
    assert sorted(listed) == sorted(document.get_absolute_url() for document in published)
    assert draft.get_absolute_url() not in listed
    for beyond in (pages + 1, 0, "x", "1.5"):
        assert client.get(reverse("catalogue:sitemap-section", args=["documents"]), {"p": beyond}).status_code == 404


def test_the_sitemap_index_dates_documents_by_the_newest_published_change_without_reading_them(client, draft):
    from datetime import UTC, datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogue.models import Document

    newest = Document.objects.published().order_by("pk").first()
    Document.objects.filter(pk=newest.pk).update(modified=datetime(2031, 5, 4, 12, 0, tzinfo=UTC))
    Document.objects.filter(pk=draft.pk).update(modified=datetime(2032, 1, 1, tzinfo=UTC))  # not public
    with CaptureQueriesContext(connection) as captured:
        index = client.get(reverse("catalogue:sitemap")).content.decode()
    assert "<lastmod>2031-05-04T12:00:00+00:00</lastmod>" in index and "2032" not in index
    # One statement for the documents' newest change, none reading the documents themselves.
    reading = [q["sql"] for q in captured.captured_queries if '"catalogue_document"."slug"' in q["sql"]]
    assert reading == []


def test_entity_counts_match_models(sample):
    assert Person.objects.public().count() == 27
    assert Event.objects.public().count() == 11
    assert Place.objects.public().count() == 7
    assert Collection.objects.public().count() == 4


def test_the_date_a_document_was_added_is_a_valid_html_datetime_even_with_microseconds(client, sample):
    import re
    from datetime import UTC, datetime

    from .factories import DocumentFactory

    document = DocumentFactory(published=True, added=datetime(2026, 11, 28, 17, 41, 51, 56633, tzinfo=UTC))
    stamp = html(client.get(document.get_absolute_url())).select_one("dd time")["datetime"]
    # A valid global date and time string: at most three digits of a fraction of a second.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})", stamp), stamp
    assert stamp.startswith("2026-11-28T17:41:51")


def test_robots_txt_lets_every_parser_reach_every_sitemap_url(client, sample):
    import re
    from urllib.robotparser import RobotFileParser

    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").content.decode().splitlines())
    index = client.get(reverse("catalogue:sitemap")).content.decode()
    urls = []
    for section in re.findall(r"<loc>(.*?)</loc>", index):
        urls += re.findall(r"<loc>(.*?)</loc>", client.get(section).content.decode())
    assert len(urls) > 40
    assert [url for url in urls if not robots.can_fetch("*", url)] == []
    for url in urls[:5]:
        assert client.get(url).status_code == 200
    assert not robots.can_fetch("*", "http://testserver/admin/")
    assert not robots.can_fetch("*", "http://testserver/documents/export.csv?person=wang-ming")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/documents/",
        "/documents/?person=wang-ming&place=soviet-union",
        "/people/",
        "/places/",
        "/events/",
        "/collections/",
        "/people/wang-ming/",
        "/places/soviet-union/",
        "/api/",
    ],
)
def test_every_public_page_kind_has_a_meta_description_of_its_own(client, sample, url):
    page = html(client.get(url))
    (meta,) = page.find_all("meta", attrs={"name": "description"})
    assert 50 <= len(meta["content"]) <= 300 and "\n" not in meta["content"].strip()
    if url != "/":
        home = html(client.get("/")).find("meta", attrs={"name": "description"})["content"]
        assert meta["content"] != home


def test_the_listing_description_states_the_count_and_a_person_page_its_dates(client, sample):
    listing = html(client.get("/documents/?person=wang-ming&place=soviet-union"))
    assert "14 documents" in listing.find("meta", attrs={"name": "description"})["content"]
    person = html(client.get("/people/wang-ming/"))
    assert person.find("meta", attrs={"name": "description"})["content"].startswith("Wang Ming (1904")


def test_a_document_without_a_summary_is_described_by_its_title_and_date(client, sample):
    document = Document.objects.create(title="Telegram to Moscow", date="1956-09-20", status="published")
    page = html(client.get(document.get_absolute_url()))
    assert page.find("meta", attrs={"name": "description"})["content"] == "Telegram to Moscow, September 20, 1956"


def test_a_known_creator_is_the_author_for_scholar_reference_managers_and_harvesters(client, sample):
    document = Document.objects.create(
        title="Telegram to Moscow", creator="Mao Zedong; CPSU Central Committee", date="1956-09", status="published"
    )
    page = html(client.get(document.get_absolute_url()))
    authors = [m["content"] for m in page.find_all("meta", attrs={"name": "citation_author"})]
    assert authors == ["Mao Zedong", "CPSU Central Committee"]
    assert [m["content"] for m in page.find_all("meta", attrs={"name": "DC.creator"})] == authors
    assert "Mao Zedong; CPSU Central Committee" in text_of(page.select_one(".document__facts"))
    assert text_of(page.select_one("#citation-chicago")).startswith("Mao Zedong and CPSU Central Committee, “Telegram")
    (entry,) = rispy.loads(client.get(reverse("catalogue:document-ris", args=[document.slug])).content.decode())
    assert entry["authors"] == authors
    (item,) = json.loads(client.get(reverse("catalogue:document-csl-json", args=[document.slug])).content)
    assert item["author"] == [{"literal": "Mao Zedong"}, {"literal": "CPSU Central Committee"}]


def test_no_author_is_given_where_the_creator_is_not_known(client, shehu):
    page = html(client.get(shehu.get_absolute_url()))
    assert page.find("meta", attrs={"name": "citation_author"}) is None
    assert page.find("meta", attrs={"name": "DC.creator"}) is None
