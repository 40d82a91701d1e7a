"""The synthetic catalogue, and a query count that does not grow with it."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from catalogue import search, tallies
from catalogue.benchmark import synthetic
from catalogue.models import Document, Person, Place, Topic, YearTally

from .helpers import require_ocr

pytestmark = pytest.mark.django_db


def generate(count, seed=7):
    out = io.StringIO()
    call_command("generate_documents", count, "--no-progress", "--seed", str(seed), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_generated_catalogue_is_valid_searchable_and_counted(empty_catalogue):
    report = generate(400)
    assert "Added 400 documents" in report
    documents = Document.objects.all()
    assert documents.count() == 400
    assert documents.values("slug").distinct().count() == 400
    for document in documents.order_by("?")[:25]:
        document.full_clean()  # every field passes the model's own validation
        assert 1 <= document.people.count() <= 8
        assert document.date_start <= document.date_end
        assert document.partial_date.start == document.date_start
    # Long-tailed: the most documented person appears far more often than the median one.
    counts = sorted(Person.objects.values_list("document_count", flat=True), reverse=True)
    assert counts[0] > 5 * max(1, counts[len(counts) // 2])
    # The index is current: the common word and a tagged name are found.
    common = search.matching(documents.published(), synthetic.COMMON_WORD).count()
    assert 0.25 * 400 < common < 0.75 * 400  # a quarter or more: the benchmark's common keyword
    top = Person.objects.popular().first()
    assert search.matching(documents, f'"{top.name}"').count() >= top.document_count
    # The counts are current: a recount changes nothing.
    kept = dict(Person.objects.values_list("slug", "document_count")), list(YearTally.objects.values_list())
    tallies.rebuild()
    assert kept == (dict(Person.objects.values_list("slug", "document_count")), list(YearTally.objects.values_list()))
    assert tallies.published_total() == documents.published().count()


def test_generating_again_adds_to_the_catalogue(empty_catalogue):
    generate(100)
    generate(100, seed=8)
    assert Document.objects.count() == 200
    assert tallies.published_total() == Document.objects.published().count()


def scenario_urls():
    top = Person.objects.popular().first()
    person = Person.objects.popular()[5]
    place = Document.objects.published().filter(people=person).facet(Place, 1)[0]
    return {
        "landing": "/documents/",
        "seed-shaped": f"/documents/?person={person.slug}&place={place.slug}",
        "rare keyword": f"/documents/?q={synthetic.RARE_WORD}",
        "common keyword": f"/documents/?q={synthetic.COMMON_WORD}",
        "deep page": "/documents/?page=12",
        "person page": f"/people/{top.slug}/",
        "broad topic": f"/documents/?topic={Topic.objects.filter(parent=None, narrower__isnull=False).first().slug}",
        "export": "/documents/export.csv?date_from=1950&date_to=1960",
    }


def queries(client, url):
    cache.clear()  # the view's own queries (and the page cache's read of the version), not a kept page
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured)


@override_settings(CATALOGUE_COUNT_CAP=50)
def test_query_count_is_bounded_and_constant_at_every_scenario(client, db):
    generate(300)
    urls = scenario_urls()
    small = {name: queries(client, url) for name, url in urls.items()}
    generate(600, seed=9)
    large = {name: queries(client, url) for name, url in urls.items()}
    assert small == large
    for name, count in large.items():
        assert count <= 14, f"{name}: {count} queries"
    assert large["export"] == 2  # the catalogue's version (for the export's ETag), then one query for every row


def test_generated_documents_can_carry_texts_and_scans_read_by_ocr(empty_catalogue, settings, tmp_path):
    require_ocr()
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("generate_documents", 3, "--no-progress", "--scans", "1", stdout=out, stderr=io.StringIO())
    scanned = Document.objects.filter(files__isnull=False).get()
    assert scanned.texts.get().kind == "translation"
    (stored,) = scanned.files.all()
    assert stored.state == "ready" and stored.page_count >= 1
    words = set(stored.pages.first().text.lower().split())
    assert len(words & set(scanned.texts.get().body.lower().split())) >= 5, "OCR read the page's words"
