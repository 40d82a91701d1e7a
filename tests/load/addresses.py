"""The addresses `make load` asks for, in the proportions of a researchers' mix, one per line on stdout.

Run by tests/load/run with the catalogue's settings: `python tests/load/addresses.py COUNT`.
"""

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from catalogue.models import Document, Person, Place  # noqa: E402

KEYWORDS = ["delegation", "treaty", "harbour", "zeppelin", "grain steel", '"central committee"', "missiles -navy"]


def addresses(count, seed=1956):
    chance = random.Random(seed)
    documents = list(Document.objects.published().order_by("?").values_list("slug", flat=True)[:3000])
    people = list(
        Person.objects.filter(document_count__gt=0).order_by("-document_count").values_list("slug", flat=True)[:500]
    )
    places = list(
        Place.objects.filter(document_count__gt=0).order_by("-document_count").values_list("slug", flat=True)[:50]
    )
    rare = list(Person.objects.filter(document_count__range=(1, 200)).values_list("slug", flat=True)[:200]) or people
    mix = [  # (weight, address)
        (3, lambda: "/documents/"),
        (4, lambda: "/documents/?q=" + chance.choice(KEYWORDS).replace(" ", "+").replace('"', "%22")),
        (3, lambda: f"/documents/?person={chance.choice(people)}&sort=date"),
        (2, lambda: f"/documents/?person={chance.choice(people)}&place={chance.choice(places)}"),
        (4, lambda: f"/documents/{chance.choice(documents)}/"),
        (2, lambda: f"/people/{chance.choice(people)}/"),
        (1, lambda: f"/documents/export.csv?person={chance.choice(rare)}"),
        (2, lambda: f"/api/v1/documents/?limit=20&person={chance.choice(people)}"),
        (1, lambda: f"/api/v1/documents/{chance.choice(documents)}/"),
        (1, lambda: "/oai/?verb=ListRecords&metadataPrefix=oai_dc"),
        (1, lambda: "/sitemap.xml"),
    ]
    weights = [weight for weight, _ in mix]
    for _ in range(count):
        (make,) = chance.choices([make for _, make in mix], weights=weights)
        yield make()


if __name__ == "__main__":
    for address in addresses(int(sys.argv[1]) if len(sys.argv) > 1 else 2000):
        print(address)
