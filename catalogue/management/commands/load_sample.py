from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalogue.models import Document


class Command(BaseCommand):
    help = "Load the sample catalogue (fixtures/sample.json) into an empty database; never over existing data."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if the catalogue already has documents.")

    def handle(self, *args, force=False, **options):
        existing = Document.objects.count()
        if existing and not force:
            self.stdout.write(f"The catalogue already holds {existing} documents; the sample was not loaded.")
            return
        call_command("loaddata", "sample", verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS(f"Sample loaded: {Document.objects.count()} documents."))
