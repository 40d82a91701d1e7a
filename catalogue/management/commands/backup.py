import os
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

# Rebuilt by migrations or worth nothing in a backup.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "admin.logentry", "axes")


@contextmanager
def one_snapshot():
    """Read every table as of one moment, however long the backup takes and whatever is edited meanwhile.

    PostgreSQL: one read-only REPEATABLE READ transaction. SQLite: one transaction, whose read lock keeps
    writers waiting until the backup is read.
    """
    outermost = not connection.in_atomic_block  # only a new transaction's isolation can be chosen
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (documents, entities, history, users and roles) to a JSON file, "
        "as of one moment. Ends in .gz: compressed. The file is readable by its owner only, and appears "
        "under its name only once it is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Default: backups/catalogue-<date and time>.json.gz")

    def handle(self, path=None, **options):
        target = Path(path or f"backups/catalogue-{timezone.now():%Y%m%d-%H%M%S}.json.gz")
        if target.exists():
            raise CommandError(f"{target} exists; choose another name.")
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target under another name, then renamed: a backup that fails or is killed
        # part-way never lies under a backup's name. The extension stays last, for dumpdata's compression.
        partial = target.with_name(f".partial-{os.getpid()}-{target.name}")
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        try:
            with one_snapshot():
                call_command(
                    "dumpdata",
                    natural_foreign=True,
                    exclude=list(EXCLUDED),
                    output=str(partial),
                    verbosity=0,
                )
            partial.replace(target)
        except BaseException as error:
            partial.unlink(missing_ok=True)
            if isinstance(error, Exception):
                raise CommandError(f"No backup was written: {error}") from error
            raise
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({target.stat().st_size:,} bytes)."))
