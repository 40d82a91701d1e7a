from django.core.management.base import BaseCommand
from django.db import transaction

from catalogue import search


class Command(BaseCommand):
    help = "Rebuild the full-text index of every document (after a raw SQL import, for instance)."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search.rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} documents."))
