from django.core.management.base import BaseCommand
from django.db import transaction

from catalogue import tallies


class Command(BaseCommand):
    help = (
        "Recount the kept counts (published documents per person, place, event, collection, language, "
        "archive and year) from the documents, after data was changed behind Django's back."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            tallies.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Recounted: {tallies.published_total()} published documents."))
