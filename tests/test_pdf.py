"""A document's record as a PDF, read back as a reader's PDF viewer would: its text, pages and metadata."""

import io

import pypdf
import pytest
from django.urls import reverse

from catalogue.models import Document, DocumentText

from .factories import DocumentFactory
from .helpers import html

pytestmark = pytest.mark.django_db


def pdf_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # A line broken by the layout is one run of words for the checks below.
    return reader, " ".join(text.split())


def test_a_record_as_a_pdf_holds_its_facts_citation_and_text(client, sample):
    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    DocumentText.objects.create(document=document, kind="translation", made_by="A. Translator", body="\n\n".join(
        f"Paragraph {n} of the translation. " + "Words of the record. " * 40 for n in range(1, 25)
    ))  # fmt: skip
    document.creator = "Soviet Embassy in Pyongyang"
    document.save()
    response = client.get(reverse("catalogue:document-pdf", args=[document.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{document.slug}.pdf"'
    reader, text = pdf_of(response)
    assert reader.metadata.title == document.title
    permalink = f"http://testserver{document.get_absolute_url()}"
    for fact in (document.title, "September 20, 1956", document.summary[:80], "Soviet Embassy in Pyongyang",
                 "Original language Russian", "Wang Ming", "Soviet Union", "August Plenum Incident",
                 "Cite this document", "Chicago (17th edition), note", "MLA (9th edition)",
                 "Paragraph 1 of the translation.", "Paragraph 24 of the translation."):  # fmt: skip
        assert fact in text, fact
    assert permalink in text.replace("- ", "-").replace(" ", "")
    # The text runs over several pages, each numbered and each naming the catalogue.
    pages = len(reader.pages)
    assert pages >= 3
    for number, page in enumerate(reader.pages, start=1):
        words = " ".join(page.extract_text().split())
        assert f"Page {number} of {pages}" in words and "Digital Archive of Historical Documents" in words
    # The citation is kept whole on one page.
    chicago = next(i for i, page in enumerate(reader.pages) if "Chicago (17th edition)" in page.extract_text())
    assert "MLA (9th edition)" in reader.pages[chicago].extract_text()


def test_a_record_without_a_source_or_text_leaves_them_out(client, sample, facts):
    source = next(d for d in facts["documents"] if d["source"] is None and d["credit"] is None)
    document = Document.objects.get(title=source["title"])
    _, text = pdf_of(client.get(reverse("catalogue:document-pdf", args=[document.slug])))
    assert "Source" not in text and "Credit" not in text and "Text " not in text
    assert document.title in text


def test_the_pdf_of_a_draft_is_not_found(client, draft):
    assert client.get(reverse("catalogue:document-pdf", args=[draft.slug])).status_code == 404


def test_the_document_page_offers_its_pdf(client, sample):
    document = Document.objects.published().first()
    page = html(client.get(document.get_absolute_url()))
    link = page.select_one(f'a[href="{reverse("catalogue:document-pdf", args=[document.slug])}"]')
    assert link is not None and link.get_text() == "PDF of this record"


def test_the_pdf_draws_nothing_from_elsewhere(client, sample, monkeypatch):
    from catalogue import pdf

    fetched = []
    monkeypatch.setattr(pdf, "_fetch_nothing", lambda url, *args, **kwargs: fetched.append(url))
    # Text that looks like markup is drawn as text: no image or stylesheet is fetched for it.
    document = DocumentFactory(
        published=True,
        title='<img src="http://169.254.169.254/latest/meta-data/"> Telegram',
        text='<link rel="stylesheet" href="file:///etc/passwd"> the text',
    )
    _, text = pdf_of(client.get(reverse("catalogue:document-pdf", args=[document.slug])))
    assert '<img src="http://169.254.169.254/latest/meta-' in text and "Telegram" in text
    assert '<link rel="stylesheet" href="file:///etc/passwd"> the text' in text
    assert fetched == []


def test_a_server_that_cannot_draw_pdfs_says_so_with_a_503_and_the_page_still_works(client, sample, monkeypatch):
    import builtins

    from catalogue import pdf

    real_import = builtins.__import__

    def without_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pango)
    document = Document.objects.published().first()
    response = client.get(reverse("catalogue:document-pdf", args=[document.slug]))
    assert response.status_code == 503 and response["Retry-After"] == "3600"
    assert "cannot be made just now" in response.content.decode()
    assert client.get(document.get_absolute_url()).status_code == 200
    assert pdf.PdfUnavailable
