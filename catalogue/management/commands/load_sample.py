from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalogue import specimen
from catalogue.models import Document


class Command(BaseCommand):
    help = (
        "Load the sample catalogue (fixtures/sample.json) into an empty database; never over existing data. "
        "--specimen adds the specimen: a generated scan with its texts, to show the viewer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if the catalogue already has documents.")
        parser.add_argument(
            "--specimen",
            action="store_true",
            help="Also add the specimen document (a scan and texts the catalogue draws itself; not in the sample).",
        )

    def handle(self, *args, force=False, **options):
        existing = Document.objects.exclude(slug=specimen.SLUG).count()
        if existing and not force:
            self.stdout.write(f"The catalogue already holds {existing} documents; the sample was not loaded.")
        else:
            call_command("loaddata", "sample", verbosity=options["verbosity"])
            self.stdout.write(self.style.SUCCESS(f"Sample loaded: {Document.objects.count()} documents."))
        if options["specimen"]:
            document, added = specimen.load()
            if added:
                self.stdout.write(self.style.SUCCESS(f"Specimen added: {document.get_absolute_url()}"))
