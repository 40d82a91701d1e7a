import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from catalogue.models import Document, Person, Place, Status

from .factories import DocumentFactory

HERE = Path(__file__).resolve().parent
# The seed as the project was given it; a copy lives in tests/seed for machines without ../shared.
SHARED_SEED = HERE.parent.parent / "shared" / "seed"
SEED = SHARED_SEED if SHARED_SEED.is_dir() else HERE / "seed"


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({os.environ.get('DATABASE_URL', 'default SQLite file')})"


@pytest.fixture(scope="session")
def seed_listing():
    return json.loads((SEED / "listing.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def facts():
    return json.loads((SEED / "sample-catalogue.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each test database starts holding the sample catalogue, loaded and committed once.

    A test that only reads sees it as loaded; what a test writes is rolled back after it.
    """
    with django_db_blocker.unblock():
        call_command("loaddata", "sample", verbosity=0)


@pytest.fixture
def sample(db):
    """The sample catalogue. Tests that commit (transactional ones) empty the database when they end,
    so these load it again; every other test finds it already there."""
    from django.db import connection

    if not connection.in_atomic_block:
        call_command("loaddata", "sample", verbosity=0)


def remove_the_catalogue():
    from catalogue import tallies
    from catalogue.models import Collection, Event, Language, Repository, WithdrawnRecord

    Document.objects.all().delete()
    WithdrawnRecord.objects.all().delete()
    for model in (Person, Place, Event, Collection, Language, Repository):
        model.objects.all().delete()
    tallies.rebuild()


@pytest.fixture
def empty_catalogue(db):
    """For a test that counts what it adds: the sample removed (and restored after the test)."""
    remove_the_catalogue()


@pytest.fixture(autouse=True)
def _an_empty_cache():
    """Each test starts with nothing cached: a rolled-back test leaves the catalogue's version as it found it,
    so a page kept under that version by one test must not be served to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _transactional_tests_start_empty(request):
    """A test that commits starts from an empty catalogue whichever test ran before it (`sample` loads one)."""
    marker = request.node.get_closest_marker("django_db")
    committing = marker is not None and marker.kwargs.get("transaction")
    if committing or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        remove_the_catalogue()


@pytest.fixture
def draft(sample):
    """A draft that matches the seed filter and every common keyword: it must never show."""
    return DocumentFactory(
        title="Secret draft conversation between Mao Zedong and Wang Ming",
        summary="Draft summary mentioning Mao, Stalin, Khrushchev and the Soviet Union.",
        date="1956-09-21",
        status=Status.DRAFT,
        people=Person.objects.filter(slug__in=["wang-ming", "mao-zedong"]),
        places=Place.objects.filter(slug__in=["soviet-union", "china"]),
    )


@pytest.fixture(autouse=True)
def interface_in_english():
    """Each test starts in the default language: a request made with the test client activates the language
    of its address in the test's own thread, and it would stay active for the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
