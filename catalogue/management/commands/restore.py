from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalogue import backups
from catalogue.models import Document


class Command(BaseCommand):
    help = (
        "Replace the catalogue with a backup made by `backup`. The file's manifest and checksum are checked "
        "first; then all in one transaction: if the file cannot be loaded whole, the catalogue is left exactly "
        "as it was. Sessions and login lock-outs are kept."
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
            manifest = backups.restore(source)
        except backups.BackupError as error:
            raise CommandError(f"Nothing was changed: {source} cannot be restored: {error}.") from error
        except Exception as error:  # loaddata raises many kinds; none may leave half a catalogue
            raise CommandError(f"Nothing was changed: the backup could not be loaded ({error}).") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {Document.objects.count():,} documents from {source} (made {manifest['created']})."
            )
        )
