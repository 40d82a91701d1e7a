"""Every kind of public page, checked by the W3C Nu HTML Checker (npm's vnu-jar, run with Java): the sample's
pages and pages built from hostile records (markup, very long words, right-to-left text, every optional
field empty and every one full), as a reader's browser receives them. One checker run covers them all."""

import json
import subprocess

import pytest

from catalogue.models import Collection, Document, DocumentText, Event, Language, Person, Place, Repository

from .helpers import ROOT, client_tool
from .scans import attach, scanned_pdf

pytestmark = pytest.mark.django_db

VNU = ("node_modules", "vnu-jar", "build", "dist", "vnu.jar")


def check(paths, *options):
    """The checker's error messages for these files (warnings are advice, errors are not)."""
    jar = client_tool(*VNU, command="java")
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(jar), "--format", "json", "--exit-zero-always", *options, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '')[:80]}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


@pytest.fixture
def hostile(sample, settings, tmp_path):
    """Records an archivist could save that are hard on a page: every optional field full (scans and texts
    included), or none."""
    settings.MEDIA_ROOT = tmp_path / "media"
    language = Language.objects.create(name="Arabic", slug="arabic")
    archive = Repository.objects.create(name="Archive <of> “Things” & Co.", slug="archive-of-things")
    person = Person.objects.create(
        name="<script>alert('x')</script> Person", slug="script-person", note="Note with <b>markup</b> & more"
    )
    place = Place.objects.create(name="مكة المكرمة", slug="makkah")
    event = Event.objects.create(
        name="An event with a " + "verylongword" * 19, slug="long-event", start="1956-09", end="1957"
    )
    collection = Collection.objects.create(name="Collection & “quotes”", slug="quotes", description="<i>Not</i> markup")
    full = Document.objects.create(
        title="<b>Bold</b> & “quoted” title with a " + "Donaudampfschifffahrtsgesellschaft" * 8,
        summary="Right-to-left: مرحبا بالعالم, then left-to-right again.\n\nA second paragraph <p> & </p>.",
        date="1956-09-20",
        source="Fond 1, <opis> 2 & delo 3",
        credit="Translated by “someone” & another",
        language=language,
        repository=archive,
        status="published",
    )
    DocumentText.objects.create(
        document=full, kind="translation", language=Language.objects.create(name="English", slug="english", code="en"),
        body="Line one\nLine two <em>not markup</em>\n\n" + "x" * 5000, made_by="“Someone” & <b>another</b>",
        made_on="2003-04", note="Leaves out <the> annex.",
    )  # fmt: skip
    DocumentText.objects.create(document=full, kind="transcript", language=language, body="مرحبا بالعالم")
    attach(full, scanned_pdf([["Page one of the scan"], ["Page two"]]), label="Original scan <pdf> & more")
    full.people.add(person)
    full.places.add(place)
    full.events.add(event)
    full.collections.add(collection)
    empty = Document.objects.create(title="T", status="published")
    # Written past the doors (as an old backup could bring it): control characters in every text field.
    controls = Document.objects.create(
        title="Bell\x07 vertical\x0btab and a C1\x85 control \ufffe",
        summary="Form\x0cfeed",
        source="Start\x01",
        status="published",
        slug="controls",
    )
    DocumentText.objects.create(document=controls, body="Escape\x1b")
    return full, empty, person, place, event, collection, language, archive


def test_every_kind_of_public_page_is_valid_html(client, hostile, tmp_path):
    full, empty, person, place, event, collection, language, archive = hostile
    urls = [
        "/",
        "/documents/",
        "/documents/?page=2",
        "/documents/?person=wang-ming&place=soviet-union",
        "/documents/?q=Mao+-Stalin&sort=date",
        "/documents/?q=%22secret+speech%22+stalin",
        "/documents/?q=nothingmatchesthis",
        "/documents/?date_from=foo&person=nobody",
        "/documents/?date_from=1950&date_to=1955",
        f"/documents/?language={language.slug}&archive={archive.slug}",
        f"/documents/?place={place.slug}",
        "/people/",
        "/places/",
        "/events/",
        "/collections/",
        "/people/wang-ming/",
        person.get_absolute_url(),
        place.get_absolute_url(),
        event.get_absolute_url(),
        collection.get_absolute_url(),
        "/collections/sino-soviet-relations/",
        full.get_absolute_url(),
        full.get_absolute_url() + "?q=scan&page=2",
        full.get_absolute_url() + f"?beside={','.join(str(t.pk) for t in full.texts.all())}",
        "/documents/?q=scan",
        empty.get_absolute_url(),
        "/documents/controls/",
        "/documents/?q=Bell",
        *(d.get_absolute_url() for d in Document.objects.published().order_by("pk")[:17]),
        "/api/",
        "/topics/",
        "/topics/china-foreign-relations/",
        "/organisations/",
        "/organisations/communist-party-of-the-soviet-union/",
        "/types/",
        "/types/minutes/",
        "/search/",
        "/search/?person=Nobody+Atall&date_from=1957&date_to=1956",
        "/about/",
        "/how-to-search/",
        "/how-to-cite/",
        "/documents/?q=Krushchev",
        "/documents/?person=wang-ming&person_op=any&place=soviet-union",
        "/no-such-page/",
        "/documents/no-such-document/",
    ]
    paths = []
    for number, url in enumerate(dict.fromkeys(urls)):
        response = client.get(url)
        assert response.status_code in {200, 400, 404}, url
        path = tmp_path / f"{number:02d}.html"
        path.write_bytes(response.content)
        paths.append(path)
    assert check(paths) == []


def test_the_style_sheet_is_valid_css():
    assert check([ROOT / "static" / "css" / "archive.css"], "--css") == []
