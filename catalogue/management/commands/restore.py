from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalogue import search, tallies
from catalogue.models import Document
from catalogue.signals import bulk_loading


class Command(BaseCommand):
    help = (
        "Replace the catalogue with a backup made by `backup`. All in one transaction: if the file cannot be "
        "loaded whole, the catalogue is left exactly as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the catalogue.")

    def handle(self, path, yes=False, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No file at {source}.")
        existing = Document.objects.count()
        if existing and not yes:
            raise CommandError(f"The catalogue holds {existing:,} documents; add --yes to replace them.")
        try:
            with transaction.atomic(), bulk_loading():
                call_command("flush", interactive=False, verbosity=0)
                call_command("loaddata", str(source), verbosity=0)
                search.rebuild_index()
                tallies.rebuild()
        except Exception as error:  # loaddata raises many kinds; none may leave half a catalogue
            raise CommandError(f"Nothing was changed: the backup could not be loaded ({error}).") from error
        self.stdout.write(self.style.SUCCESS(f"Restored {Document.objects.count():,} documents from {source}."))
