"""The site's own pages (About, How to search, How to cite), edited by staff; rights statements; the
advanced search."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from lxml import etree

from catalogue.models import Document, Page, Topic

from .helpers import html, text_of

pytestmark = pytest.mark.django_db

IN_COPYRIGHT_EDU = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
DC = {"dc": "http://purl.org/dc/elements/1.1/"}


@pytest.mark.parametrize(("address", "title"), [
    ("/about/", "About this catalogue"), ("/how-to-search/", "How to search"), ("/how-to-cite/", "How to cite")
])  # fmt: skip
def test_each_page_is_served_and_linked_from_every_page(client, sample, address, title):
    page = html(client.get(address))
    assert text_of(page.select_one("h1")) == title
    footer_links = [a["href"] for a in html(client.get("/documents/")).select("footer a")]
    assert address in footer_links


def test_every_example_on_how_to_search_finds_documents_in_the_sample(client, sample):
    page = html(client.get("/how-to-search/"))
    examples = [a["href"] for a in page.select("article a") if a["href"].startswith("/documents/")]
    assert len(examples) >= 15

    def found(address):
        return html(client.get(address)).select(".results .result")

    for example in examples:
        offered = html(client.get(example)).select_one(".did-you-mean a")
        # Each finds documents, or (the misspelt example) offers the name that does.
        assert found(example) or (offered and found("/documents/" + offered["href"])), example


def test_staff_reword_a_page_in_the_admin_and_readers_see_it_at_once(client, sample):
    assert "Every record" in text_of(html(client.get("/how-to-cite/")).main)
    editor = User.objects.create_superuser("editor", "editor@example.org", "pass")
    staff = client.__class__()
    staff.force_login(editor)
    page = Page.objects.get(slug="how-to-cite")
    form = staff.get(f"/admin/catalogue/page/{page.pk}/change/")
    assert form.status_code == 200
    saved = staff.post(
        f"/admin/catalogue/page/{page.pk}/change/",
        {"title": "Citing these records", "body": "Cite the **record number**.\n\n<script>alert(1)</script>"},
    )
    assert saved.status_code == 302
    reader = html(client.get("/how-to-cite/"))
    assert text_of(reader.select_one("h1")) == "Citing these records"
    assert reader.select_one("article strong").get_text() == "record number"
    assert not reader.select("article script") and "alert(1)" not in str(reader.select_one("article"))
    # Its address is fixed: it cannot be deleted, nor may a page be made at another address.
    assert staff.post(f"/admin/catalogue/page/{page.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/not-a-page/").status_code == 404


def test_a_rights_statement_is_on_the_page_in_the_citation_data_the_json_ld_and_oai(client, sample):
    document = Document.objects.published().first()
    Document.objects.filter(pk=document.pk).update(rights=IN_COPYRIGHT_EDU)
    page = html(client.get(document.get_absolute_url()))
    link = page.select_one(".document__rights a")
    assert link["href"] == IN_COPYRIGHT_EDU and link["rel"] == ["license"]
    assert text_of(link) == "In Copyright – Educational Use Permitted"
    import json

    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["license"] == IN_COPYRIGHT_EDU
    csl = client.get(f"{document.get_absolute_url()}cite.json").json()
    assert csl[0]["license"] == IN_COPYRIGHT_EDU
    record = etree.fromstring(
        client.get(
            "/oai/",
            {
                "verb": "GetRecord",
                "metadataPrefix": "oai_dc",
                "identifier": f"oai:catalogue.example.org:{document.slug}",
            },
        ).content
    )
    assert [r.text for r in record.iterfind(".//dc:rights", DC)] == [IN_COPYRIGHT_EDU]
    api = client.get(f"/api/v1/documents/{document.slug}/").json()
    assert api["rights"] == {"uri": IN_COPYRIGHT_EDU, "label": "In Copyright – Educational Use Permitted"}
    # Where it is not stated, nothing is claimed.
    other = Document.objects.published().exclude(pk=document.pk).first()
    assert not html(client.get(other.get_absolute_url())).select(".document__rights")


def test_the_advanced_search_leads_to_the_listing_with_its_fields(client, sample):
    form = html(client.get("/search/"))
    assert {field["name"] for field in form.select("form.advanced-search [name]")} >= {
        "q", "title", "summary", "text", "person", "place", "organisation", "topic", "type", "language", "archive",
        "date_from", "date_to",
    }  # fmt: skip
    response = client.get(
        "/search/", {"title": "conversation", "person": "Chen Shaoyu", "language": "russian", "date_from": "1950"}
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/documents/"
    params = parse_qs(target.query)
    assert params == {
        "q": ['title:"conversation" person:"Chen Shaoyu"'],
        "language": ["russian"],
        "date_from": ["1950"],
    }
    listing = client.get(response["Location"])
    expected = Document.objects.published().filter(
        title__icontains="conversation", people__slug="wang-ming", language__slug="russian", date_end__year__gte=1950
    )
    assert listing.context["paginator"].count == expected.count() > 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"person": "Nobody Atall"}, "There is no person “Nobody Atall” in the catalogue."),
        ({"date_from": "1957", "date_to": "1956"}, "The range starts (1957) after it ends (1956)."),
        ({"date_from": "1956-13"}, ""),
        ({"language": "klingon"}, ""),
        ({"q": ""}, "Fill in at least one box."),
    ],
)
def test_an_advanced_search_that_cannot_be_made_says_why_with_a_400(client, sample, params, message):
    response = client.get("/search/", params)
    assert response.status_code == 400
    errors = text_of(html(response).select_one(".form-errors"))
    assert errors and message in errors


def test_archivists_curate_the_new_kinds_and_only_editors_reword_the_site_s_pages(client, sample):
    from django.contrib.auth.models import Group

    from .factories import UserFactory

    archivist = UserFactory(roles=["Archivist"])
    client.force_login(archivist)
    for model in ("topic", "organisation", "documenttype"):
        assert client.get(f"/admin/catalogue/{model}/add/").status_code == 200, model
    added = client.post("/admin/catalogue/topic/add/", {"name": "Korea -- Politics", "slug": "korea-politics"})
    assert added.status_code == 302 and Topic.objects.filter(slug="korea-politics").exists()
    page = Page.objects.get(slug="about")
    refused = client.post(f"/admin/catalogue/page/{page.pk}/change/", {"title": "Hijacked", "body": "x"})
    assert refused.status_code == 403 and Page.objects.get(slug="about").title == "About this catalogue"
    assert Group.objects.get(name="Editor").permissions.filter(codename="publish_document").exists()
    client.force_login(UserFactory(roles=["Editor"]))
    changed = client.post(f"/admin/catalogue/page/{page.pk}/change/", {"title": "About us", "body": "Words."})
    assert changed.status_code == 302 and Page.objects.get(slug="about").title == "About us"
