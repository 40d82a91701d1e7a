"""Citations as other software reads them: citation-js (Node.js) parses every document's cite.bib and
cite.ris with its own BibTeX and RIS parsers, and renders its cite.json in the page's styles with citeproc-js,
the Citation Style Language's reference processor; each page's citation must read exactly as that rendering."""

import json
import subprocess

import pytest

from catalogue import citations, csl
from catalogue.models import Document, Repository

from .helpers import client_tool, html

pytestmark = pytest.mark.django_db


def citation_js(payload):
    script = client_tool("tests", "clients", "citations.cjs")
    client_tool("node_modules", "@citation-js", "plugin-csl")
    result = subprocess.run(
        ["node", str(script)], input=json.dumps(payload), capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def folded(node):
    return " ".join(node.get_text().split())


def test_every_citation_reads_as_the_reference_processor_renders_it_and_parses_back(client, sample):
    archive = Repository.objects.create(name="Archive of Foreign Policy of the Russian Federation")
    Document.objects.create(
        title="Telegram from Molotov to the embassy in Beijing about the treaty",
        date="1950-02",
        source="Archive of Foreign Policy of the Russian Federation, f. 07, op. 23a, d. 18",
        repository=archive,
        creator="Vyacheslav Molotov; Ministry of Foreign Affairs of the USSR",
        status="published",
    )
    Document.objects.create(title="Undated note on the delegation's visit", status="published")
    documents = list(Document.objects.published().order_by("pk"))
    payload = {"documents": [], "styles": {}}
    pages = []
    for document in documents:
        base = document.get_absolute_url()
        pages.append(html(client.get(base)))
        payload["documents"].append(
            {
                "bib": client.get(f"{base}cite.bib").content.decode(),
                "ris": client.get(f"{base}cite.ris").content.decode(),
                "csl": json.loads(client.get(f"{base}cite.json").content),
            }
        )
    for style in csl.STYLES:
        payload["styles"][style.key] = {"path": str(csl.CSL_DIR / style.filename), "form": style.form}

    results = citation_js(payload)

    for document, page, result in zip(documents, pages, results, strict=True):
        for style in csl.STYLES:
            assert folded(page.select_one(f"#citation-{style.key}")) == result["rendered"][style.key], document.slug
        (bib,) = result["bib"]
        assert bib["title"] == document.title and bib["URL"].endswith(document.get_absolute_url())
        (ris,) = result["ris"]
        assert ris["title"] == document.title and ris["URL"].endswith(document.get_absolute_url())
        if document.partial_date:
            year = document.partial_date.year
            assert bib["issued"]["date-parts"][0][0] == year and ris["issued"]["date-parts"][0][0] == year
        else:
            assert "issued" not in bib and "issued" not in ris
        archive_name, location = citations.archive_and_location(document)
        if archive_name:
            assert archive_name in (ris.get("archive"), ris.get("source"))
        assert ris.get("archive_location") == (location or None)
        if document.repository == archive:
            assert location == "f. 07, op. 23a, d. 18"
