from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

# Rebuilt by migrations or worth nothing in a backup.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "admin.logentry", "axes")


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (documents, entities, history, users and roles) to a JSON file keyed by "
        "natural keys, so that it loads into any empty database whatever its ids. Ends in .gz: compressed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Default: backups/catalogue-<date and time>.json.gz")

    def handle(self, path=None, **options):
        target = Path(path or f"backups/catalogue-{timezone.now():%Y%m%d-%H%M%S}.json.gz")
        if target.exists():
            raise CommandError(f"{target} exists; choose another name.")
        target.parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=list(EXCLUDED),
            output=str(target),
            verbosity=0,
        )
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size:,} bytes)."))
