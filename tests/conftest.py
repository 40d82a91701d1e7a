import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Document, Person, Place, Status

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


@pytest.fixture
def sample(db):
    call_command("loaddata", "sample", verbosity=0)


@pytest.fixture
def draft(sample):
    """A draft that matches the seed filter and every common keyword: it must never show."""
    document = Document.objects.create(
        title="Secret draft conversation between Mao Zedong and Wang Ming",
        summary="Draft summary mentioning Mao, Stalin, Khrushchev and the Soviet Union.",
        date="1956-09-21",
        status=Status.DRAFT,
    )
    document.people.set(Person.objects.filter(slug__in=["wang-ming", "mao-zedong"]))
    document.places.set(Place.objects.filter(slug__in=["soviet-union", "china"]))
    return document
