from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalogue import backups


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (documents, entities, history, users and roles) to one file, as of one "
        "moment, with a manifest and checksum that `restore` checks. The file is readable by its owner only, "
        "and appears under its name only once it is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Default: backups/catalogue-<date and time>.zip")

    def handle(self, path=None, **options):
        target = Path(path or f"backups/catalogue-{timezone.now():%Y%m%d-%H%M%S}.zip")
        if target.exists():
            raise CommandError(f"{target} exists; choose another name.")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            backups.write(target)
        except Exception as error:
            raise CommandError(f"No backup was written: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size:,} bytes)."))
