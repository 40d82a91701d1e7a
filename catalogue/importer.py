"""Bulk import of documents from CSV or JSON, all or nothing.

A file is read twice, a chunk of rows at a time, so that its size does not
matter: the first pass validates every row and counts what would change; only
when it found no error does the second pass write, in one transaction. Rows are
matched to documents by `identifier` (the document's slug), so importing a file
again updates what changed and creates no duplicates.

Columns (CSV header, or keys of each JSON object; see fixtures/import-template.csv):

    identifier   required; the document's slug: lower-case letters, digits and hyphens
    title        required
    date         YYYY, YYYY-MM or YYYY-MM-DD; blank if undated
    creator      who wrote or issued it; several separated by ";"
    summary, source, credit
    full_text    the document's text, its kind not recorded (a transcript or translation is added in the
                 admin): it replaces the document's text of unrecorded kind; blank removes it
    language, archive                       one name or slug
    people, places, events, collections     names or slugs, separated by ";" in CSV
                                            (a JSON list or a ";"-separated string)

A name or slug must already be in the catalogue; write `new:Name` to create it.
"""

import csv
import io
import shutil
import tempfile
import threading
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path, PurePosixPath

import ijson
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import validate_slug
from django.db import IntegrityError, OperationalError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from . import reading, tallies, upkeep
from .backends import database
from .dates import PartialDate
from .models import MANY_KINDS, SINGLE_KINDS, Document, DocumentFile, DocumentText, Person, Status, record_history
from .text import control_character, describe

REQUIRED = ("identifier", "title")
TEXT_FIELDS = ("title", "date", "creator", "summary", "source", "credit", "full_text")
# Columns naming entities, by the kind they name: one value ("language") or several ("people").
SINGLE = {kind.column(): kind for kind in SINGLE_KINDS}
MULTIPLE = {kind.column(): kind for kind in MANY_KINDS}
# The document's files, by their paths in the folder given with --files or in the ZIP the sheet came in.
FILES = "files"
COLUMNS = REQUIRED + TEXT_FIELDS[1:] + tuple(SINGLE) + tuple(MULTIPLE) + (FILES,)
NEW = "new:"
CHUNK = 500
# One cell may hold a long transcription: far more than the csv module's default of 131,072 characters.
MAX_CSV_FIELD = 64 * 1024 * 1024
# Imports write one after the other: in one process through this lock, across processes and servers
# through a PostgreSQL advisory lock (SQLite lets one writer in at a time by itself).
_one_writer = threading.Lock()
IMPORT_LOCK = 7_340_912
MAX_REPORTED_ERRORS = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong encoding, not CSV/JSON, missing columns."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, column “{self.column}”: {self.message}"


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    error_count: int = 0
    written: bool = False

    def add_error(self, error):
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def ok(self):
        return not self.error_count

    def summary(self):
        parts = [f"{self.counts[key]} {key}" for key in ("created", "updated", "unchanged")]
        parts.append(ngettext("%(n)d error", "%(n)d errors", self.error_count) % {"n": self.error_count})
        return ", ".join(parts)


# Reading -----------------------------------------------------------------------


def _text_stream(binary):
    # utf-8-sig accepts the byte-order mark spreadsheets write; anything not UTF-8 is an error.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def read_rows(binary, file_format):
    """Yield (row number, {column: value}) from an open binary file; raise ImportFileError if unreadable."""
    binary.seek(0)
    try:
        if file_format == "csv":
            yield from _read_csv(binary)
        elif file_format == "json":
            yield from _read_json(binary)
        else:
            raise ImportFileError(f"Unknown format “{file_format}”: use csv or json.")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.object[error.start : error.start + 1]!r} cannot be read). "
            "Save it as UTF-8 and try again."
        ) from None


def _check_columns(columns):
    columns = [column.strip() for column in columns]
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise ImportFileError(ngettext("Missing column", "Missing columns", len(missing)) + f": {', '.join(missing)}.")
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        raise ImportFileError(
            ngettext("Unknown column", "Unknown columns", len(unknown))
            + f": {', '.join(unknown)}. Known: {', '.join(COLUMNS)}."
        )
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        raise ImportFileError(f"Repeated column: {', '.join(duplicated)}.")
    return columns


def _read_csv(binary):
    text = _text_stream(binary)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    reader = None
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise ImportFileError("The file is empty: it needs a header row and at least one document.")
        columns = _check_columns(header)
        seen = False
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            seen = True
            if len(values) != len(columns):
                yield reader.line_num, {"__error__": f"has {len(values)} cells; the header has {len(columns)}"}
                continue
            yield reader.line_num, dict(zip(columns, values, strict=True))
        if not seen:
            raise ImportFileError("The file has a header but no documents.")
    except csv.Error as error:
        where = f" at line {reader.line_num}" if reader is not None and reader.line_num else ""
        raise ImportFileError(f"The CSV cannot be read{where}: {error}.") from None
    finally:
        text.detach()


class _Reencoded:
    """Bytes for the JSON parser from strictly decoded text."""

    def __init__(self, text):
        self.text = text

    def read(self, size=-1):
        return self.text.read(size).encode("utf-8")


def _read_json(binary):
    if not binary.read(64).strip():
        raise ImportFileError("The file is empty: it needs a JSON list of documents.")
    binary.seek(0)
    # Decoded strictly here, so that bytes that are not UTF-8 are an error rather than replaced.
    text = _text_stream(binary)
    try:
        seen = False
        for number, item in enumerate(ijson.items(_Reencoded(text), "item"), start=1):
            seen = True
            if not isinstance(item, dict):
                yield number, {"__error__": "is not an object with named fields"}
                continue
            unknown = [key for key in item if key not in COLUMNS]
            missing = [key for key in REQUIRED if key not in item]
            if unknown or missing:
                problems = [f"unknown fields: {', '.join(unknown)}"] if unknown else []
                problems += [f"missing fields: {', '.join(missing)}"] if missing else []
                yield number, {"__error__": "has " + "; ".join(problems)}
                continue
            yield number, item
        if not seen:
            raise ImportFileError("The file holds no documents: it must be a JSON list of objects.")
    except ijson.JSONError as error:
        raise ImportFileError(f"The JSON cannot be read: {error}.") from None
    finally:
        text.detach()


def detect_format(name):
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".zip"):
        return "zip"
    raise ImportFileError("Name the file .csv, .json or .zip (a sheet with its files) so its format is known.")


# Resolving names -----------------------------------------------------------------


class Resolver:
    """Finds entities by slug or name, remembering answers; `new:Name` asks for a new one."""

    def __init__(self, files=None):
        self.cache = {}
        self.to_create = {}  # (model, slug) -> name
        self.files = files or FileSource()

    def values(self, raw):
        if raw is None:
            return []
        if isinstance(raw, list):
            items = raw
        else:
            items = str(raw).split(";")
        return [" ".join(str(item).split()) for item in items if str(item).strip()]

    def prefetch(self, model, refs):
        wanted = {ref for ref in refs if not ref.lower().startswith(NEW) and (model, ref) not in self.cache}
        if not wanted:
            return
        found = {}
        for entity in model.objects.filter(slug__in=wanted):
            found[entity.slug] = entity.pk
        lowered = {ref.lower(): ref for ref in wanted if ref not in found}
        if lowered:
            matches = model.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=lowered)
            by_name = {}
            for entity in matches:
                by_name.setdefault(entity.lower_name, []).append(entity.pk)
            for lower, ref in lowered.items():
                if lower in by_name:
                    found[ref] = by_name[lower] if len(by_name[lower]) > 1 else by_name[lower][0]
        for ref in wanted:
            self.cache[(model, ref)] = found.get(ref)

    def resolve(self, model, ref):
        """The entity's id, a ("new", slug) marker, or raise ValidationError."""
        if ref.lower().startswith(NEW):
            name = ref[len(NEW) :].strip()
            slug = slugify(name)
            if not name or not slug:
                raise ValidationError(f"“{ref}” names nothing to create.")
            name_field, slug_field = model._meta.get_field("name"), model._meta.get_field("slug")
            if len(name) > name_field.max_length or len(slug) > slug_field.max_length:
                raise ValidationError(f"the new name “{name[:40]}…” is longer than {name_field.max_length} characters.")
            existing = self.cache.get((model, slug))
            if existing is None and (model, slug) not in self.cache:
                self.prefetch(model, [slug])
                existing = self.cache[(model, slug)]
            if isinstance(existing, int):
                return existing
            self.to_create.setdefault((model, slug), name)
            return ("new", slug)
        pk = self.cache.get((model, ref))
        if isinstance(pk, list):
            raise ValidationError(f"“{ref}” is the name of {len(pk)} {model._meta.verbose_name_plural}; use a slug.")
        if pk is None:
            raise ValidationError(
                f"no {model._meta.verbose_name} “{ref}” in the catalogue "
                f"(use its slug or exact name, or {NEW}{ref} to create it)."
            )
        return pk


# Planning --------------------------------------------------------------------------


@dataclass
class Plan:
    row: int
    action: str  # created, updated, unchanged
    slug: str
    fields: dict
    relations: dict  # name -> list of ids or ("new", slug)
    document_id: int | None = None
    files: list | None = None  # [(path, Inspection)] in the document's order; None leaves its files alone


def _clean_row(number, row, resolver, seen, report):
    """Validate one row; return (fields, relations) or None after reporting its errors."""
    if "__error__" in row:
        report.add_error(RowError(number, "*", f"the row {row['__error__']}."))
        return None
    errors = []
    for column, value in row.items():
        texts = value if isinstance(value, list) else [value]
        found = next((c for text in texts if isinstance(text, str) and (c := control_character(text))), None)
        if found:
            errors.append(RowError(number, column, f"holds {describe(found)}."))
    if errors:
        for error in errors:
            report.add_error(error)
        return None
    identifier = str(row.get("identifier") or "").strip()
    try:
        validate_slug(identifier)
        if len(identifier) > 255:
            raise ValidationError("is longer than 255 characters.")
    except ValidationError as error:
        detail = error.messages[0] if identifier else "is empty."
        errors.append(RowError(number, "identifier", f"“{identifier[:60]}” {detail}" if identifier else detail))
    else:
        if identifier in seen:
            errors.append(RowError(number, "identifier", f"“{identifier}” is also on row {seen[identifier]}."))
        seen[identifier] = number
    fields = {}
    for name in TEXT_FIELDS:
        if name in row:
            value = row[name]
            if value is not None and not isinstance(value, str | int):
                errors.append(RowError(number, name, "must be text."))
                continue
            fields[name] = "" if value is None else str(value).strip()
    if not fields.get("title"):
        errors.append(RowError(number, "title", "is empty."))
    elif len(fields["title"]) > 500:
        errors.append(RowError(number, "title", "is longer than 500 characters."))
    if fields.get("date"):
        try:
            PartialDate.parse(fields["date"])
        except ValidationError as error:
            errors.append(RowError(number, "date", error.messages[0]))
    relations = {}
    for name, model in (*SINGLE.items(), *MULTIPLE.items()):
        if name not in row:
            continue
        refs = resolver.values(row[name])
        if name in SINGLE and len(refs) > 1:
            errors.append(RowError(number, name, "takes one value."))
            continue
        ids = []
        for ref in refs:
            try:
                ids.append(resolver.resolve(model, ref))
            except ValidationError as error:
                errors.append(RowError(number, name, error.messages[0]))
        relations[name] = ids
    files = None
    if row.get(FILES) not in (None, "", []):
        files = []
        for path in resolver.values(row[FILES]):
            try:
                files.append((path, resolver.files.inspect(path)))
            except ImportFileError as error:
                errors.append(RowError(number, FILES, str(error)))
    for row_error in errors:
        report.add_error(row_error)
    return None if errors else (identifier, fields, relations, files)


def _differs(document, fields, relations, current_links, files=None, current_files=None, current_texts=None):
    if files is not None and [inspection.sha256 for _, inspection in files] != (current_files or {}).get(
        document.pk, []
    ):
        return True
    for name, value in fields.items():
        # The `full_text` column is the document's text of unrecorded kind ("" for none), not a field of its own.
        now = (current_texts or {}).get(document.pk, "") if name == "full_text" else getattr(document, name)
        if now != value:
            return True
    for name, ids in relations.items():
        if name in SINGLE:
            if getattr(document, SINGLE[name].document_column()) != (ids[0] if ids else None):
                return True
        elif set(current_links[name].get(document.pk, ())) != set(ids):
            return True
    return False


def _links(document_ids, names):
    """{relation name: {document id: [entity ids]}} for these documents."""
    links = {}
    for name in names:
        kind = MULTIPLE[name]
        found = {}
        rows = kind.link_model().objects.filter(document_id__in=document_ids)
        rows = rows.values_list("document_id", kind.link_column())
        for document_id, entity_id in rows:
            found.setdefault(document_id, []).append(entity_id)
        links[name] = found
    return links


def plan_chunk(rows, resolver, seen, report, can_publish):
    """Plans for a chunk of (number, row), errors added to the report."""
    cleaned = []
    for model_name, model in (*SINGLE.items(), *MULTIPLE.items()):
        refs = [ref for _, row in rows if model_name in row for ref in resolver.values(row.get(model_name))]
        resolver.prefetch(model, refs)
    for number, row in rows:
        result = _clean_row(number, row, resolver, seen, report)
        if result:
            cleaned.append((number, *result))
    slugs = [identifier for _, identifier, _, _, _ in cleaned]
    existing = {d.slug: d for d in Document.objects.filter(slug__in=slugs).defer("search_vector")}
    multi = [name for name in MULTIPLE if any(name in relations for *_, relations, _files in cleaned)]
    current_links = _links([d.pk for d in existing.values()], multi)
    current_files = {}
    if any(files is not None for *_, files in cleaned):
        rows = DocumentFile.objects.filter(document__in=list(existing.values())).order_by("order", "id")
        for document_id, sha256 in rows.values_list("document_id", "sha256"):
            current_files.setdefault(document_id, []).append(sha256)
    current_texts = {}
    if any("full_text" in fields for _, _, fields, _, _ in cleaned):
        current_texts = dict(
            DocumentText.objects.filter(document__in=list(existing.values()), kind=DocumentText.Kind.UNRECORDED)
            .order_by("-id")
            .values_list("document_id", "body")
        )
    plans = []
    for number, identifier, fields, relations, files in cleaned:
        document = existing.get(identifier)
        if document is None:
            plans.append(Plan(number, "created", identifier, fields, relations, files=files))
            continue
        if document.status == Status.PUBLISHED and not can_publish:
            report.add_error(
                RowError(number, "identifier", f"“{identifier}” is published; only an Editor may change it.")
            )
            continue
        differs = _differs(document, fields, relations, current_links, files, current_files, current_texts)
        action = "updated" if differs else "unchanged"
        plans.append(Plan(number, action, identifier, fields, relations, document.pk, files))
    return plans


# Writing ---------------------------------------------------------------------------


def _create_entities(resolver, user):
    for (model, slug), name in resolver.to_create.items():
        defaults = {"name": name}
        if model is Person:
            defaults["sort_name"] = name
        entity, _ = model.objects.get_or_create(slug=slug, defaults=defaults)
        resolver.cache[(model, slug)] = entity.pk
        resolver.cache[(model, f"{NEW}{name}")] = entity.pk


def _entity_id(resolver, model, ref):
    if isinstance(ref, tuple):
        return resolver.cache[(model, ref[1])]
    return ref


def _write_chunk(plans, resolver, status, user, moment):
    creating = [plan for plan in plans if plan.action == "created"]
    updating = [plan for plan in plans if plan.action == "updated"]
    if not creating and not updating:
        return
    existing = {d.pk: d for d in Document.objects.filter(pk__in=[p.document_id for p in updating])}
    # Published documents count towards the kept tallies: recount what they counted before and after.
    counted = status == Status.PUBLISHED or any(d.status == Status.PUBLISHED for d in existing.values())
    before = tallies.snapshot(list(existing)) if counted else None
    documents = []
    for plan in creating:
        document = Document(slug=plan.slug, status=status, added=moment, modified=moment)
        documents.append((plan, document))
    for plan in updating:
        documents.append((plan, existing[plan.document_id]))
    for plan, document in documents:
        for name, value in plan.fields.items():
            if name != "full_text":
                setattr(document, name, value)
        for name, kind in SINGLE.items():
            if name in plan.relations:
                ids = plan.relations[name]
                setattr(document, kind.document_column(), _entity_id(resolver, kind, ids[0]) if ids else None)
        document.set_date_span()
        document.modified = moment
    new_documents = Document.objects.bulk_create([d for p, d in documents if p.action == "created"])
    changed = [d for p, d in documents if p.action == "updated"]
    if changed:
        Document.objects.bulk_update(
            changed,
            ["title", "date", "date_start", "date_end", "creator", "summary", "source", "credit",
             *(kind.document_field for kind in SINGLE_KINDS), "modified"],
        )  # fmt: skip
    all_documents = [d for _, d in documents]
    # Relations: replace each named relation of each document with what the file says.
    for name, model in MULTIPLE.items():
        through, target = model.link_model(), model.link_field()
        named = [(p, d) for p, d in documents if name in p.relations]
        through.objects.filter(document_id__in=[d.pk for p, d in named if p.action == "updated"]).delete()
        rows = [
            through(document_id=d.pk, **{f"{target}_id": _entity_id(resolver, model, ref)})
            for p, d in named
            for ref in dict.fromkeys(p.relations[name], None)
        ]
        through.objects.bulk_create(rows)
    _write_texts(documents)
    _write_files(documents, resolver.files)
    record_history(new_documents, changed, reason="Imported from a file", user=user, moment=moment)
    upkeep.documents_written([d.pk for d in all_documents], before)


def _write_texts(documents):
    """The `full_text` column: each named document's text of unrecorded kind replaced by the cell (none if blank)."""
    named = [(plan.fields["full_text"], document) for plan, document in documents if "full_text" in plan.fields]
    if not named:
        return
    unrecorded = DocumentText.objects.filter(kind=DocumentText.Kind.UNRECORDED)
    unrecorded.filter(document_id__in=[document.pk for _text, document in named]).delete()
    DocumentText.objects.bulk_create(
        DocumentText(
            document_id=document.pk,
            kind=DocumentText.Kind.UNRECORDED,
            body=text,
            search_config=reading.search_config(None),
        )
        for text, document in named
        if text
    )


def _write_files(documents, source):
    """The `files` column: each named document's files become those listed, in that order; a file already
    there (the same SHA-256) is kept with its pages, others are stored and made ready by the worker."""
    for plan, document in documents:
        if plan.files is None:
            continue
        existing = {stored.sha256: stored for stored in DocumentFile.objects.filter(document=document)}
        listed = set()
        for order, (path, inspection) in enumerate(plan.files, start=1):
            stored = existing.get(inspection.sha256)
            label = reading.label_of(path)
            if stored is not None and inspection.sha256 not in listed:
                DocumentFile.objects.filter(pk=stored.pk).update(order=order)
            else:
                with source.opened(path) as handle:
                    # A plain File: the storage copies it (a file with a temporary path would be moved away).
                    kept = File(handle.file, name=path)
                    stored = reading.receive(document, kept, label=label, order=order, inspection=inspection)
                source.written.append(stored.file.name)
                reading.queue(stored)
            listed.add(inspection.sha256)
        for sha256, stored in existing.items():
            if sha256 not in listed:
                stored.delete()


class FileSource:
    """Where the `files` column's paths lead: a folder (`--files DIR`), the ZIP the sheet came in, or nowhere."""

    def __init__(self, folder=None, archive=None):
        self.folder = Path(folder).resolve() if folder else None
        self.archive = archive
        self.inspected = {}
        self.written = []  # stored names to remove if the import does not commit

    def _safe(self, path):
        parts = PurePosixPath(path.replace("\\", "/")).parts
        if not path or path.startswith(("/", "\\")) or ".." in parts or ":" in path:
            raise ImportFileError(f"“{path}” must be a path inside the files' folder (no “..”, not absolute).")
        return "/".join(parts)

    def inspect(self, path):
        path = self._safe(path)
        if path not in self.inspected:
            with self.opened(path) as handle:
                try:
                    self.inspected[path] = reading.inspect(handle)
                except ValidationError as error:
                    raise ImportFileError(f"“{path}”: {error.messages[0]}") from None
        return self.inspected[path]

    @contextmanager
    def opened(self, path):
        """The file at `path` as a Django File (its size known, read in chunks)."""
        path = self._safe(path)
        if self.folder is not None:
            full = (self.folder / path).resolve()
            if not full.is_relative_to(self.folder) or not full.is_file():
                raise ImportFileError(f"“{path}” is not in the files' folder.")
            with full.open("rb") as handle:
                yield _NamedFile(handle, path, str(full))
            return
        if self.archive is not None:
            try:
                member = self.archive.getinfo(path)
            except KeyError:
                raise ImportFileError(f"“{path}” is not in the ZIP.") from None
            if member.file_size > reading.max_file_size():
                # Checked before a byte is unpacked: a ZIP may promise far more than it holds.
                limit = reading.megabytes(reading.max_file_size())
                raise ImportFileError(
                    f"“{path}” is {reading.megabytes(member.file_size)}; files may be at most {limit}."
                )
            with tempfile.NamedTemporaryFile(suffix=Path(path).suffix) as copy:
                with self.archive.open(member) as source:
                    shutil.copyfileobj(source, copy)
                copy.flush()
                copy.seek(0)
                yield _NamedFile(copy, path, copy.name)
            return
        raise ImportFileError("the files column needs the files: give their folder (--files DIR) or import a ZIP.")

    def discard(self):
        for name in self.written:
            default_storage.delete(name)


class _NamedFile(File):
    """A file on disk under the name the sheet gives it, which `reading.inspect` can read in place."""

    def __init__(self, handle, name, local):
        super().__init__(handle, name=name)
        self._local = local

    def temporary_file_path(self):
        return self._local


def open_zip(binary):
    """(the sheet as a binary file, its format, the ZIP) from a ZIP holding one .csv or .json sheet and files."""
    try:
        archive = zipfile.ZipFile(binary)
    except zipfile.BadZipFile:
        raise ImportFileError("The file is not a ZIP archive that can be read.") from None
    sheets = [
        info for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith((".csv", ".json"))
        and not info.filename.startswith("__MACOSX/")
    ]  # fmt: skip
    if len(sheets) != 1:
        found = ", ".join(info.filename for info in sheets[:5]) or "none"
        raise ImportFileError(f"A ZIP must hold exactly one .csv or .json sheet beside its files (found: {found}).")
    sheet = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    with archive.open(sheets[0]) as source:
        shutil.copyfileobj(source, sheet)
    return sheet, detect_format(sheets[0].filename), archive


# Running -----------------------------------------------------------------------------


def run(binary, file_format, *, user=None, status=Status.DRAFT, dry_run=False, progress=None, files=None):
    """Validate the whole file, then (unless dry_run or any error) write it all in one transaction.

    `files` is the folder the `files` column's paths are in; a ZIP (`file_format` "zip") brings its own.
    """
    archive = None
    if file_format == "zip":
        binary, file_format, archive = open_zip(binary)
    source = FileSource(folder=files, archive=archive)
    try:
        return _run(binary, file_format, user, status, dry_run, progress, source)
    except BaseException:
        source.discard()
        raise
    finally:
        if archive is not None:
            archive.close()


def _run(binary, file_format, user, status, dry_run, progress, source):
    can_publish = user is None or user.has_perm("catalogue.publish_document")
    report = Report()
    if status != Status.DRAFT and not can_publish:
        raise ImportFileError("Only an Editor may import documents as anything but drafts.")
    resolver = Resolver(source)
    seen = {}
    for chunk in batched(_tick(read_rows(binary, file_format), progress, "Checking"), CHUNK):
        for plan in plan_chunk(list(chunk), resolver, seen, report, can_publish):
            report.counts[plan.action] += 1
    if dry_run or not report.ok:
        return report
    try:
        with _one_writer, transaction.atomic():
            # Imports write one after another; each plans again once it holds the lock, so it counts
            # (and writes) against what the one before it left.
            database().lock_writers(IMPORT_LOCK)
            moment = timezone.now()
            resolver = Resolver(source)
            written = Report()
            for chunk in batched(read_rows(binary, file_format), CHUNK):
                plan_chunk(list(chunk), resolver, {}, written, can_publish)
            if not written.ok:
                return written  # what another change did meanwhile made a row wrong
            _create_entities(resolver, user)
            seen = {}
            for chunk in batched(_tick(read_rows(binary, file_format), progress, "Writing"), CHUNK):
                plans = plan_chunk(list(chunk), resolver, seen, Report(), can_publish)
                for plan in plans:
                    written.counts[plan.action] += 1
                _write_chunk(plans, resolver, status, user, moment)
    except (IntegrityError, OperationalError) as error:
        raise ImportFileError(
            "Nothing was written: another change to the same documents was being saved at the same moment "
            f"({error.__class__.__name__}). Import the file again."
        ) from error
    written.written = True
    return written


def _tick(rows, progress, label):
    if progress is None:
        yield from rows
        return
    bar = progress(label)
    for item in rows:
        bar.update(1)
        yield item
    bar.close()
