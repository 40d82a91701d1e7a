"""Backups of the whole catalogue, and restoring one, all or nothing, without emptying what is not in it.

A backup is a ZIP holding `manifest.json` (what it is, when it was made, the schema it was made with,
and the SHA-256 of each part and each stored file) and the data, read as of one moment, with the
documents' files: every original and the page images made of it (a restored catalogue shows them at
once). On PostgreSQL the data is each table as
`COPY` writes it (binary), so a million documents go out and come back at the database's own speed; on
SQLite it is `catalogue.json`, as Django's serializer writes it. A restore reads and checks the manifest
and every checksum before it changes anything, then replaces exactly the records a backup holds, in one
transaction: sessions, login lock-outs and the task queue are left alone, and on PostgreSQL readers go on
seeing the old catalogue until the switch commits.
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
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import records, search, tallies, tasks, upkeep
from .backends import database
from .upkeep import bulk_loading

FORMAT = "catalogue-backup"
VERSION = 2
MANIFEST, DATA = "manifest.json", "catalogue.json"
FILES = "files/"
# Rebuilt by migrations, kept by the running site (the API's kept entries are written again from the
# documents), or worth nothing in a backup.
EXCLUDED = (
    "catalogue.documententry",
    "catalogue.entrynames",
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes",
    "django_tasks_database",
)
BLOCK = 1 << 20


class BackupError(Exception):
    """The file is not a backup this catalogue can restore, or it is damaged; nothing was changed."""


def in_backup(model):
    label = model._meta.label_lower
    return not any(label == excluded or label.startswith(excluded + ".") for excluded in EXCLUDED) and not (
        model._meta.proxy or not model._meta.managed
    )


def _models():
    """The models whose rows a backup holds, many-to-many tables included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if in_backup(model) or (model._meta.auto_created and in_backup(model._meta.auto_created))
    ]


def _copied_models():
    # Tables of roles refer to permissions by id, so a copy of the tables carries those too.
    return [ContentType, Permission, *_models()]


def _columns(model):
    return [field.column for field in model._meta.concrete_fields]


def _quoted(name):
    return connection.ops.quote_name(name)


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
        if outermost:
            database().read_one_snapshot()
        yield


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_file(path):
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


# Writing ---------------------------------------------------------------------------


def write(target):
    """Write a backup to `target`; it appears under that name only once complete, readable by its owner only."""
    target = Path(target)
    partial = target.with_name(f".partial-{os.getpid()}-{target.name}")
    try:
        _private_file(partial)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            with one_snapshot():
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created": timezone.now().isoformat(),
                    "database": connection.vendor,
                    "schema": schema(),
                    "parts": database().write_backup(archive),
                    "files": write_files(archive),
                }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def dump_json(archive):
    """SQLite: every record as Django's serializer writes it, foreign keys to users and roles by natural key."""
    with tempfile.TemporaryDirectory(prefix="catalogue-backup-") as scratch:
        data = Path(scratch) / DATA
        call_command("dumpdata", natural_foreign=True, exclude=list(EXCLUDED), output=str(data), verbosity=0)
        archive.write(data, DATA)
        return [{"name": DATA, "sha256": _sha256(data)}]


def copy_out(archive):
    """PostgreSQL: every table a backup holds, as COPY writes it, each a part of the archive with its checksum."""
    parts = []
    with connection.cursor() as cursor:
        for model in _copied_models():
            table, columns = model._meta.db_table, _columns(model)
            name, digest = f"tables/{table}.copy", hashlib.sha256()
            statement = f"COPY {_quoted(table)} ({', '.join(map(_quoted, columns))}) TO STDOUT (FORMAT binary)"
            with archive.open(name, "w", force_zip64=True) as part, cursor.copy(statement) as copy:
                for block in copy:
                    digest.update(block)
                    part.write(block)
            parts.append({"name": name, "table": table, "columns": columns, "sha256": digest.hexdigest()})
    return parts


def _stored_names():
    """Every stored file the catalogue's rows name: originals, then the images made of each page."""
    from .models import DocumentFile, FilePage
    from .reading import derivative_name, page_widths

    yield from DocumentFile.objects.order_by("pk").values_list("file", flat=True).iterator()
    pages = FilePage.objects.order_by("file_id", "number").values_list("file_id", "number", "width").iterator()
    for file_id, number, width in pages:
        for at in page_widths(width):
            yield derivative_name(file_id, number, at)


def write_files(archive):
    """The documents' stored files into the archive under files/, each with its checksum."""
    listed = []
    for name in _stored_names():
        if not default_storage.exists(name):
            continue  # a page image not made yet: made again after a restore
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as stored, archive.open(f"{FILES}{name}", "w", force_zip64=True) as part:
            for block in iter(lambda stored=stored: stored.read(BLOCK), b""):
                digest.update(block)
                part.write(block)
        listed.append({"name": name, "sha256": digest.hexdigest()})
    return listed


# Restoring -------------------------------------------------------------------------


def read_manifest(archive):
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError("it has no readable manifest: it was not made by `backup`") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("its manifest does not describe a catalogue backup")
    if manifest.get("version") != VERSION:
        raise BackupError(f"it is a backup of version {manifest.get('version')}; this catalogue reads {VERSION}")
    if manifest.get("database") != connection.vendor:
        raise BackupError(f"it was made on {manifest.get('database')}; this catalogue runs on {connection.vendor}")
    differing = sorted(set(schema()) ^ set(manifest.get("schema") or []))
    if differing:
        raise BackupError(
            "it was made with another version of the catalogue's schema (differing migrations: "
            f"{', '.join(differing[:5])}{'…' if len(differing) > 5 else ''})"
        )
    if not manifest.get("parts"):
        raise BackupError("its manifest lists no data")
    return manifest


def _sha256_of_part(archive, name):
    digest = hashlib.sha256()
    try:
        with archive.open(name) as part:
            for block in iter(lambda: part.read(BLOCK), b""):
                digest.update(block)
    except (KeyError, zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"its part {name} cannot be read ({error})") from error
    return digest.hexdigest()


def restore(source):
    """Replace the catalogue with the backup at `source`; return its manifest. Raises BackupError, changing nothing."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError("it is not a backup made by `backup` (not a ZIP archive)") from error
    with archive, tempfile.TemporaryDirectory(prefix="catalogue-restore-") as scratch:
        manifest = read_manifest(archive)
        for part in manifest["parts"]:  # every part is read and checked before anything changes
            if _sha256_of_part(archive, part["name"]) != part.get("sha256"):
                raise BackupError(f"its part {part['name']} does not match its checksum: the file is damaged")
        files = _checked_files(archive, manifest)
        with transaction.atomic(), bulk_loading():
            # The API's kept entries describe the documents being replaced: written again after the commit.
            records.drop_all()
            transaction.on_commit(tasks.fill_entries.enqueue)
            database().restore_backup(archive, manifest["parts"], scratch)
            # Entries of the admin's log about users or kinds of record the backup does not have go with them.
            LogEntry.objects.exclude(user_id__in=get_user_model().objects.values("pk")).delete()
            LogEntry.objects.exclude(content_type_id__in=ContentType.objects.values("pk")).delete()
            # The stored files are put back once the rows naming them are: a restore rolled back leaves them be.
            transaction.on_commit(lambda: _put_back_files(source, files))
    if not connection.in_atomic_block:
        database().analyze(part["table"] for part in manifest["parts"] if "table" in part)
    return manifest


def _checked_files(archive, manifest):
    """The stored files a backup holds, every one read and checked against its checksum (or BackupError)."""
    files = manifest.get("files", [])
    if not isinstance(files, list):
        raise BackupError("its manifest's list of files is not a list")
    for entry in files:
        name = entry.get("name", "") if isinstance(entry, dict) else ""
        if not name or name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"its manifest names a file outside the catalogue's storage ({name!r})")
        if _sha256_of_part(archive, f"{FILES}{name}") != entry.get("sha256"):
            raise BackupError(f"its file {name} does not match its checksum: the backup is damaged")
    return [entry["name"] for entry in files]


def _put_back_files(source, names):
    """After the restore commits: every stored file of the backup in place, and those it does not name gone."""
    from . import reading

    with zipfile.ZipFile(source) as archive:
        for name in names:
            if default_storage.exists(name):
                default_storage.delete(name)
            with archive.open(f"{FILES}{name}") as part:
                default_storage.save(name, File(part, name=name))
    kept = set(names)
    for name in _walk("documents") + _walk("derivatives"):
        if name not in kept:
            default_storage.delete(name)
    reading.queue_missing()


def _walk(prefix):
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [f"{prefix}/{name}" for name in files] + [name for folder in folders for name in _walk(f"{prefix}/{folder}")]


def load_json(archive, scratch):
    """SQLite: the records replaced by the backup's, then the search index and the kept counts rebuilt."""
    data = Path(archive.extract(DATA, scratch))
    _empty(model._meta.db_table for model in _models())
    call_command("loaddata", str(data), verbosity=0)
    search.rebuild_index()
    tallies.rebuild()
    upkeep.public_changed()


def copy_in(archive, parts):
    """Replace every table a backup holds with its copy; kept counts and the search index come with the rows."""
    models = {model._meta.db_table: model for model in _copied_models()}
    for part in parts:
        model = models.get(part.get("table"))
        if model is None or part.get("columns") != _columns(model):
            raise BackupError(f"its part {part['name']} does not fit this catalogue's tables")
    _empty(part["table"] for part in reversed(parts))
    with connection.cursor() as cursor:
        for part in parts:
            columns = ", ".join(map(_quoted, part["columns"]))
            statement = f"COPY {_quoted(part['table'])} ({columns}) FROM STDIN (FORMAT binary)"
            with archive.open(part["name"]) as source, cursor.copy(statement) as copy:
                for block in iter(lambda source=source: source.read(BLOCK), b""):
                    copy.write(block)
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models.values())):
            cursor.execute(statement)


def _empty(tables):
    """Delete every row of these tables (DELETE, not TRUNCATE: readers keep the old rows until commit)."""
    database().defer_constraints()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {_quoted(table)}")
