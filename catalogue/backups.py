"""Backups of the whole catalogue, and restoring one, all or nothing, without emptying what is not in it.

A backup is a ZIP holding `manifest.json` (what it is, when it was made, the schema it was made with, and
the SHA-256 of the data) and `catalogue.json` (every record, as Django's serializer writes it, read as of
one moment). A restore reads and checks the manifest and the checksum before it changes anything, then
replaces exactly the records a backup holds, in one transaction: sessions, login lock-outs and the task
queue are left alone, and on PostgreSQL readers go on seeing the old catalogue until the switch commits.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import search, tallies
from .signals import bulk_loading

FORMAT = "catalogue-backup"
VERSION = 2
MANIFEST, DATA = "manifest.json", "catalogue.json"
# Rebuilt by migrations, kept by the running site, or worth nothing in a backup.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "admin.logentry", "axes", "django_tasks_database")


class BackupError(Exception):
    """The file is not a backup this catalogue can restore, or it is damaged; nothing was changed."""


def in_backup(model):
    label = model._meta.label_lower
    return not any(label == excluded or label.startswith(excluded + ".") for excluded in EXCLUDED) and not (
        model._meta.proxy or not model._meta.managed
    )


def schema():
    """The migrations applied here: a backup restores only into the schema it was made with."""
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


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


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_file(path):
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def write(target):
    """Write a backup to `target`; it appears under that name only once complete, readable by its owner only."""
    target = Path(target)
    partial = target.with_name(f".partial-{os.getpid()}-{target.name}")
    with tempfile.TemporaryDirectory(prefix="catalogue-backup-") as scratch:
        data = Path(scratch) / DATA
        try:
            _private_file(partial)
            with one_snapshot():
                call_command("dumpdata", natural_foreign=True, exclude=list(EXCLUDED), output=str(data), verbosity=0)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created": timezone.now().isoformat(),
                    "database": connection.vendor,
                    "schema": schema(),
                    "sha256": _sha256(data),
                }
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
                archive.write(data, DATA)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def read_manifest(archive):
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError("it has no readable manifest: it was not made by `backup`") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("its manifest does not describe a catalogue backup")
    if manifest.get("version") != VERSION:
        raise BackupError(f"it is a backup of version {manifest.get('version')}; this catalogue reads {VERSION}")
    missing = sorted(set(schema()) ^ set(manifest.get("schema") or []))
    if missing:
        raise BackupError(
            "it was made with another version of the catalogue's schema (differing migrations: "
            f"{', '.join(missing[:5])}{'…' if len(missing) > 5 else ''})"
        )
    return manifest


def restore(source):
    """Replace the catalogue with the backup at `source`; return its manifest. Raises BackupError, changing nothing."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError("it is not a backup made by `backup` (not a ZIP archive)") from error
    with archive, tempfile.TemporaryDirectory(prefix="catalogue-restore-") as scratch:
        manifest = read_manifest(archive)
        try:
            data = Path(archive.extract(DATA, scratch))
        except (KeyError, zipfile.BadZipFile, OSError) as error:
            raise BackupError(f"its data cannot be read ({error})") from error
        if _sha256(data) != manifest.get("sha256"):
            raise BackupError("its data does not match its checksum: the file is damaged")
        # The file is copied out whole before the catalogue is touched: loaddata reads it by name and format.
        with transaction.atomic(), bulk_loading():
            _empty_what_a_backup_holds()
            call_command("loaddata", str(data), verbosity=0)
            # Entries of the admin's log whose user the backup does not have go with that user.
            LogEntry.objects.exclude(user_id__in=get_user_model().objects.values("pk")).delete()
            search.rebuild_index()
            tallies.rebuild()
    return manifest


def _empty_what_a_backup_holds():
    """Delete the rows of every model a backup holds (DELETE, not TRUNCATE: readers keep the old rows)."""
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if in_backup(model) or (model._meta.auto_created and in_backup(model._meta.auto_created)):
            tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
