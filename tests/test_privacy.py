"""Nothing unpublished leaves through any public door."""

import io

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse

from catalogue.models import (
    Collection,
    Document,
    DocumentText,
    DocumentType,
    Event,
    Language,
    Organisation,
    Person,
    Place,
    Repository,
    Status,
    Topic,
)

from .scans import attach, scanned_pdf

pytestmark = pytest.mark.django_db

MARKER = "Quetzalcoatlus"


@pytest.fixture
def unpublished(sample, settings, tmp_path):
    """A draft and an in-review document tagged with everything, titled with a unique word, with a text and a
    scan (its words read by OCR) that carry it too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    documents = []
    for status in (Status.DRAFT, Status.IN_REVIEW):
        document = Document.objects.create(
            title=f"{MARKER} {status} conversation between Mao Zedong and Wang Ming",
            summary=f"{MARKER} Mao Stalin Khrushchev Soviet Union China",
            date="1956-09-20",
            status=status,
            language=Language.objects.get(slug="russian"),
            repository=Repository.objects.get(slug="aprf"),
        )
        document.people.set(Person.objects.all())
        document.places.set(Place.objects.all())
        document.events.set(Event.objects.all())
        document.collections.set(Collection.objects.all())
        document.organisations.set(Organisation.objects.all())
        document.topics.set(Topic.objects.all())
        DocumentText.objects.create(document=document, kind="translation", body=f"{MARKER} full text")
        attach(document, scanned_pdf([[f"{MARKER} page"]]))
        documents.append(document)
    # Someone, a body, a subject and a kind of document known only from unpublished documents, each with
    # another name that search and "did you mean" must not give away either.
    secret = Person.objects.create(
        name=f"{MARKER} Informant", sort_name=f"{MARKER}, Informant", slug="informant", other_names="Quetzalinformer"
    )
    body = Organisation.objects.create(name=f"{MARKER} Bureau", slug="bureau", other_names="Quetzalbureau")
    broad = Topic.objects.create(name=f"{MARKER} Matters", slug="matters")
    narrow = Topic.objects.create(name=f"{MARKER} Narrow matters", slug="narrow-matters", parent=broad)
    kind = DocumentType.objects.create(name=f"{MARKER} Dossier", slug="dossier")
    hideout = Place.objects.create(name=f"{MARKER} Hideout", slug="hideout", latitude=10, longitude=10)
    for document in documents:
        document.people.add(secret)
        document.organisations.add(body)
        document.topics.add(narrow)
        document.places.add(hideout)
        document.document_type = kind
        document.save()
    return documents


def public_urls(documents):
    listing = reverse("catalogue:document-list")
    urls = [
        "/",
        listing,
        f"{listing}?q=conversation+Mao",
        f"{listing}?q=Mao&person=wang-ming&place=soviet-union&sort=date",
        f"{listing}?person=informant",
        f"{listing}?date_from=1956-09-20&date_to=1956-09-20",
        f"{listing}?show=person",
        reverse("catalogue:document-export-csv"),
        reverse("catalogue:document-export-json") + "?q=Khrushchev",
        reverse("catalogue:person-index"),
        reverse("catalogue:event-index"),
        reverse("catalogue:place-index"),
        reverse("catalogue:collection-index"),
        reverse("catalogue:person-detail", args=["wang-ming"]),
        reverse("catalogue:person-detail", args=["informant"]),
        reverse("catalogue:event-detail", args=["ccp-8th-congress"]),
        reverse("catalogue:place-detail", args=["soviet-union"]),
        reverse("catalogue:collection-detail", args=["sino-soviet-relations"]),
        "/oai/?verb=ListRecords&metadataPrefix=oai_dc",
        "/oai/?verb=ListIdentifiers&metadataPrefix=oai_dc&set=sino-soviet-relations",
        "/sitemap.xml",
        "/sitemap-documents.xml",
        "/sitemap-people.xml",
        "/sitemap-organisations.xml",
        "/sitemap-topics.xml",
        "/sitemap-types.xml",
        "/api/v1/documents/?limit=500",
        "/api/v1/documents/?q=conversation+Mao&limit=500",
        "/api/v1/documents/?person=wang-ming&place=soviet-union&sort=date",
        "/api/v1/documents/?person=informant",
        "/api/v1/documents/?date_from=1956-09-20&date_to=1956-09-20",
        "/api/v1/people/?limit=500",
        "/api/v1/people/informant/",
        "/api/v1/people/wang-ming/",
        "/api/v1/archives/aprf/",
        "/api/v1/languages/?limit=500",
        "/api/v1/openapi.json",
        "/api/",
        "/api/v1/collections/?limit=500",
        "/api/v1/events/?limit=500",
        "/api/v1/places/?limit=500",
        "/api/v1/organisations/?limit=500",
        "/api/v1/topics/?limit=500",
        "/api/v1/document-types/?limit=500",
        "/api/v1/organisations/bureau/",
        "/api/v1/topics/matters/",
        "/api/v1/documents/?organisation=bureau",
        "/api/v1/documents/?q=Quetzalinformer",
        reverse("catalogue:organisation-index"),
        reverse("catalogue:topic-index"),
        reverse("catalogue:type-index"),
        reverse("catalogue:organisation-detail", args=["bureau"]),
        reverse("catalogue:topic-detail", args=["matters"]),
        reverse("catalogue:topic-detail", args=["narrow-matters"]),
        reverse("catalogue:type-detail", args=["dossier"]),
        f"{listing}?organisation=bureau",
        f"{listing}?topic=matters",
        f"{listing}?type=dossier",
        f"{listing}?q=Quetzalinformer",
        f"{listing}?q=Quetzalbureu",
        f"{listing}?q=person%3AQuetzalinformer",
        f"{listing}?q=topic%3Amatters",
        f"{listing}?person=informant&person=wang-ming&person_op=any",
        f"{listing}?language=russian&language=chinese&language_op=any",
        "/search/?person=Quetzalinformer",
        "/search/?organisation=bureau",
        "/how-to-search/",
        "/how-to-cite/",
        "/about/",
        "/api/v1/document-types/dossier/",
        "/api/v1/topics/narrow-matters/",
        "/api/v1/places/hideout/",
        "/api/v1/documents/?type=dossier",
        "/api/v1/documents/?topic=matters",
        "/api/v1/documents/?q=type%3Adossier",
        reverse("catalogue:place-detail", args=["hideout"]),
        f"{listing}?place=hideout",
        f"{listing}?q=Quetzalhideot",
        # Words only in unpublished texts and scans ("full text", "page" beside the marker).
        f"{listing}?q=text%3A%22full+text%22",
        f"{listing}?q=page",
        "/api/v1/documents/?q=page",
        "/documents/feed.atom?topic=matters",
        "/documents/export.csv?organisation=bureau",
        "/search/?topic=matters&type=dossier",
    ]
    published = Document.objects.published().get(title__startswith="Record of a Meeting")
    urls += [
        published.get_absolute_url(),  # related documents, JSON-LD
        reverse("catalogue:document-bibtex", args=[published.slug]),
        reverse("catalogue:document-ris", args=[published.slug]),
        reverse("catalogue:document-csl-json", args=[published.slug]),
        f"/api/v1/documents/{published.slug}/",
        reverse("catalogue:document-pdf", args=[published.slug]),
        "/documents/feed.atom",
        f"{published.get_absolute_url()}?in=person%3Dwang-ming&at=1",
        f"{published.get_absolute_url()}?in=q%3Dconversation&at=2",
        "/documents/feed.rss?person=wang-ming",
        "/documents/feed.atom?q=conversation+Mao",
        # For the balancer and for operators (the test client asks from loopback, so /metrics answers).
        "/healthz",
        "/readyz",
        "/metrics",
    ]
    for document in documents:
        urls += [
            document.get_absolute_url(),
            reverse("catalogue:document-bibtex", args=[document.slug]),
            reverse("catalogue:document-ris", args=[document.slug]),
            reverse("catalogue:document-csl-json", args=[document.slug]),
            f"/oai/?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:catalogue.example.org:{document.slug}",
            f"/api/v1/documents/{document.slug}/",
            reverse("catalogue:document-pdf", args=[document.slug]),
            f"/documents/id/{document.pk}/",
            # Its scans and texts, by every door: originals, IIIF, downloads of the words.
            reverse("iiif-manifest", args=[document.slug]),
            f"{document.get_absolute_url()}?q=page&page=1",
        ]
        for stored in document.files.all():
            ident = f"{stored.pk}-1"
            urls += [
                stored.get_absolute_url(),
                f"{stored.get_absolute_url()}?download",
                reverse("document-scan-text", args=[stored.pk]),
                f"/iiif/3/{ident}",
                f"/iiif/3/{ident}/info.json",
                f"/iiif/3/{ident}/full/max/0/default.jpg",
                f"/iiif/3/{ident}/full/200,/0/default.jpg",
            ]
        urls += [reverse("document-text", args=[document.slug, text.pk]) for text in document.texts.all()]
    # The same pages in the other interface languages, and the switcher leading to each document.
    translated = [listing, f"{listing}?q=conversation+Mao", f"{listing}?person=informant", "/documents/feed.atom"]
    translated += [document.get_absolute_url() for document in documents]
    urls += [f"/{code}{url}" for code in ("ru", "zh-hans") for url in translated]
    urls += [f"/language/?language=ru&next={document.get_absolute_url()}" for document in documents]
    # A reader's selection (or a link to one) naming unpublished documents among published ones.
    ids = ",".join(str(pk) for pk in [published.pk, *(document.pk for document in documents)])
    selection = ("selection", *(f"selection-export-{format}" for format in ("csv", "json", "bib", "ris")))
    urls += [f"{reverse(f'catalogue:{name}')}?ids={ids}" for name in selection]
    return urls


def body(response):
    if response.get("Content-Type") == "application/pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_no_public_surface_shows_unpublished_documents(client, unpublished):
    # Each address twice: made afresh, then as the shared cache keeps it (pages and API answers).
    for url in public_urls(unpublished) * 2:
        response = client.get(url, follow=url.startswith("/language/"))  # the switcher leads to the page
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)  # and the next address is asked afresh
        assert response.status_code in {200, 400, 404}, url
        text = body(response)
        assert MARKER not in text, url
        for document in unpublished:
            if document.slug not in url:  # a request may echo what it asked for
                assert document.slug not in text, url


def test_counts_ignore_unpublished_documents(client, unpublished):
    listing = client.get(reverse("catalogue:document-list"), {"person": "wang-ming", "place": "soviet-union"})
    assert listing.context["paginator"].count == 14
    people = next(f for f in listing.context["facets"] if f["name"] == "person")
    assert {v["entity"].slug: v["count"] for v in people["values"]}["mao-zedong"] == 12
    assert listing.context["timeline"].total == 14
    home = client.get("/")
    assert home.context["counts"] == {
        "documents": 17, "people": 27, "events": 11, "places": 7, "collections": 4, "topics": 10, "organisations": 8,
    }  # fmt: skip
    people_index = {p.slug: p.document_count for p in client.get("/people/").context["object_list"]}
    assert people_index["mao-zedong"] == 15 and "informant" not in people_index


def test_searching_for_words_only_in_unpublished_documents_finds_nothing(client, unpublished):
    response = client.get(reverse("catalogue:document-list"), {"q": MARKER})
    assert response.context["paginator"].count == 0
    assert response.context["facets"] == [] and response.context["timeline"] is None
