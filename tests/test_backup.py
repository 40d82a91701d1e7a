"""Nothing is half-written: failed loads change nothing, and a backup restores to identical data."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command

from catalogue.models import (
    Collection,
    Document,
    DocumentEntry,
    DocumentType,
    EntryNames,
    Event,
    Organisation,
    Page,
    Person,
    PersonMerge,
    Place,
    Status,
    Topic,
    YearTally,
)

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "discussion-between-ns-khrushchev-and-mao-zedong"
MODELS = (Document, Person, Event, Place, Collection, Organisation, Topic, DocumentType, Page, PersonMerge, YearTally)


def catalogue_state():
    """Everything about the catalogue that a reader or curator sees, independent of ids."""
    state = {}
    for model in MODELS:
        rows = json.loads(
            serializers.serialize(
                "json", model.objects.all(), use_natural_foreign_keys=True, use_natural_primary_keys=True
            )
        )
        for row in rows:
            row.pop("pk", None)
            row["fields"].pop("search_vector", None)
        state[model.__name__] = sorted(json.dumps(row, sort_keys=True) for row in rows)
    state["history"] = Document.history.count() + Person.history.count()
    return state


def test_a_fixture_that_fails_part_way_writes_nothing(tmp_path):
    call_command("loaddata", "sample", verbosity=0)
    before = catalogue_state()
    good = json.loads(open("fixtures/sample.json", encoding="utf-8").read())
    new_person = {"name": "New Person", "sort_name": "Person, New", "slug": "new-person"}
    bad = [
        {"model": "catalogue.person", "fields": new_person},
        *good[-3:],
        {"model": "catalogue.document", "fields": {"title": "Broken", "slug": "broken", "status": "published",
                                                     "date": "1956-13", "people": [["no-such-person"]]}},
    ]  # fmt: skip
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(Exception):  # noqa: B017  (loaddata raises the database's or the deserializer's error)
        call_command("loaddata", str(path), verbosity=0)
    assert catalogue_state() == before
    assert not Person.objects.filter(slug="new-person").exists()


def test_backup_and_restore_round_trip_to_identical_data(tmp_path, admin_user):
    call_command("loaddata", "sample", verbosity=0)
    document = Document.objects.create(title="Draft with history", status=Status.DRAFT)
    document.people.add(Person.objects.get(slug="mao-zedong"))
    Document.objects.filter(pk=document.pk).transition("submit", user=admin_user)
    before = catalogue_state()
    target = tmp_path / "backup.json.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    Document.objects.all().delete()
    Person.objects.all().delete()
    assert catalogue_state() != before
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert catalogue_state() == before
    # Search works on the restored catalogue.
    from catalogue import search

    assert search.matching(Document.objects.published(), "Khrushchev").count() == 4
    # The API's kept entries are not in the backup: written again once the restore has committed.
    entries = DocumentEntry.objects.values_list("document_id", flat=True)
    assert sorted(entries) == sorted(Document.objects.published().values_list("pk", flat=True))
    assert sorted(EntryNames.objects.values_list("document_id", flat=True)) == sorted(entries)


def test_timestamps_survive_a_backup_to_the_microsecond(tmp_path):
    call_command("loaddata", "sample", verbosity=0)
    # Django's own JSON stops at the millisecond: this stamp would come back as 12:00:00.000000.
    stamp = datetime(2025, 3, 4, 12, 0, 0, 500, tzinfo=UTC)
    Document.objects.filter(slug=SLUG).update(added=stamp, modified=stamp.replace(microsecond=123456))
    target = tmp_path / "backup.json"
    call_command("backup", str(target), stdout=io.StringIO())
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    restored = Document.objects.get(slug=SLUG)
    assert (restored.added, restored.modified) == (stamp, stamp.replace(microsecond=123456))


def test_a_broken_backup_restores_nothing(tmp_path):
    call_command("loaddata", "sample", verbosity=0)
    before = catalogue_state()
    broken = tmp_path / "broken.json"
    broken.write_text('[{"model": "catalogue.person", "fields": {"name": "x"')
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(broken), "--yes", stdout=io.StringIO())
    assert catalogue_state() == before


def test_restore_asks_before_replacing(tmp_path):
    call_command("loaddata", "sample", verbosity=0)
    target = tmp_path / "b.json"
    call_command("backup", str(target), stdout=io.StringIO())
    with pytest.raises(CommandError, match="add --yes"):
        call_command("restore", str(target), stdout=io.StringIO())


def test_a_backup_after_a_merge_and_a_deletion_is_complete_and_restores(tmp_path):
    from catalogue import curation

    call_command("loaddata", "sample", verbosity=0)
    twin = Person.objects.create(name="P. F. Yudin", sort_name="Yudin, P. F.", slug="p-f-yudin")
    Document.objects.published().first().people.add(twin)
    curation.merge_people(Person.objects.get(slug="pavel-yudin"), [twin])
    # An entity that history mentions, deleted since.
    place = Place.objects.create(name="Lüshun", slug="lushun")
    Document.objects.published().last().places.add(place)
    Document.objects.published().last().places.remove(place)
    place.delete()
    before = catalogue_state()
    target = tmp_path / "after-merge.json.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    history = Document.history.count()
    Document.objects.all().delete()
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert catalogue_state() == before
    assert Document.history.count() == history


def test_a_failed_backup_leaves_no_file_under_any_name(tmp_path, monkeypatch):
    import zipfile

    call_command("loaddata", "sample", verbosity=0)

    def disk_full(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)  # the manifest, written last
    with pytest.raises(CommandError, match="No backup was written.*disk full"):
        call_command("backup", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_a_backup_is_readable_by_its_owner_only(tmp_path):
    call_command("loaddata", "sample", verbosity=0)
    target = tmp_path / "backup.json.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_backup_taken_while_curators_edit_restores(tmp_path, monkeypatch):
    """An edit made while the backup is being read is in it whole, or not at all."""
    import threading

    from django.db import OperationalError, connection

    from catalogue import backups
    from catalogue.serializers import exact_json

    call_command("loaddata", "sample", verbosity=0)
    edited = []

    def edit_elsewhere():
        try:
            person = Person.objects.create(name="Late Arrival", sort_name="Arrival, Late", slug="late-arrival")
            document = Document.objects.create(title="Written during the backup", status=Status.PUBLISHED)
            document.people.add(person)
            edited.append(True)
        except OperationalError:
            edited.append(False)  # SQLite keeps writers out while the backup reads
        finally:
            connection.close()

    seen_people = []
    start_object = exact_json.Serializer.start_object

    def start_and_maybe_edit(self, obj):
        # Once every person has been read, another curator adds a person and a document.
        if isinstance(obj, Person):
            seen_people.append(obj.pk)
        elif seen_people and not edited:
            writer = threading.Thread(target=edit_elsewhere)
            writer.start()
            writer.join(timeout=30)
        return start_object(self, obj)

    monkeypatch.setattr(exact_json.Serializer, "start_object", start_and_maybe_edit)
    # PostgreSQL copies table after table: the edit comes once the table of people has been copied.
    copied = backups._copied_models

    def models_then_edit():
        for model in copied():
            yield model
            if model is Person:
                seen_people.append(model)
            elif seen_people and not edited:
                writer = threading.Thread(target=edit_elsewhere)
                writer.start()
                writer.join(timeout=30)

    monkeypatch.setattr(backups, "_copied_models", models_then_edit)
    target = tmp_path / "during-edit.json.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    monkeypatch.undo()
    assert edited, "the edit during the backup did not happen"
    if connection.vendor == "postgresql":
        assert edited == [True] and Person.objects.filter(slug="late-arrival").exists()
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert not Person.objects.filter(slug="late-arrival").exists()
    assert not Document.objects.filter(title="Written during the backup").exists()
    assert not Document.history.filter(title="Written during the backup").exists()


# A restore checks what it is given, keeps what a backup does not hold, and lets readers read. ------


def test_restore_refuses_what_is_not_a_backup_of_this_catalogue(tmp_path):
    import zipfile

    from django.contrib.auth.models import User

    call_command("loaddata", "sample", verbosity=0)
    User.objects.create_user("curator", password="a-long-test-password")
    before = (catalogue_state(), User.objects.count())
    good = tmp_path / "good.zip"
    call_command("backup", str(good), stdout=io.StringIO())
    original = zipfile.ZipFile(good)
    manifest = json.loads(original.read("manifest.json"))
    largest = max(manifest["parts"], key=lambda part: original.getinfo(part["name"]).file_size)["name"]

    def variant(name, manifest_changes=None, damaged=False):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("manifest.json", json.dumps({**manifest, **(manifest_changes or {})}))
            for part in manifest["parts"]:
                data = original.read(part["name"])
                if damaged and part["name"] == largest:
                    data = data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1 :]
                archive.writestr(part["name"], data)
        return path

    refused = {
        "fixtures/sample.json": "not a ZIP archive",
        variant("other-format.zip", {"format": "something-else"}): "does not describe a catalogue backup",
        variant("other-schema.zip", {"schema": manifest["schema"][:-1]}): "another version of the catalogue's schema",
        variant("damaged.zip", damaged=True): "does not match its checksum",
        variant("other-database.zip", {"database": "oracle"}): "it was made on oracle",
    }
    for path, reason in refused.items():
        with pytest.raises(CommandError, match=f"Nothing was changed: .*{reason}"):
            call_command("restore", str(path), "--yes", stdout=io.StringIO())
        assert (catalogue_state(), User.objects.count()) == before


def test_restore_keeps_sessions_and_login_lock_outs(tmp_path, client):
    from axes.models import AccessAttempt
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    call_command("loaddata", "sample", verbosity=0)
    target = tmp_path / "backup.zip"
    call_command("backup", str(target), stdout=io.StringIO())
    client.force_login(User.objects.create_user("reader", password="a-long-test-password"))
    AccessAttempt.objects.create(username="intruder", ip_address="203.0.113.9", failures_since_start=5)
    sessions = Session.objects.count()
    assert sessions == 1
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert Session.objects.count() == sessions
    assert AccessAttempt.objects.filter(username="intruder", failures_since_start=5).exists()
    assert Document.objects.count() == 17


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="SQLite lets no reader in while a restore writes; PostgreSQL readers see the old catalogue",
)
def test_readers_see_the_old_catalogue_until_a_restore_commits(tmp_path, monkeypatch):
    import threading

    import psycopg
    from django.db import connection

    from catalogue import backups

    call_command("loaddata", "sample", verbosity=0)
    target = tmp_path / "backup.zip"
    call_command("backup", str(target), stdout=io.StringIO())
    Document.objects.filter(slug=SLUG).update(title="Retitled after the backup")
    params = connection.get_connection_params()
    seen = []

    def read_meanwhile():
        with psycopg.connect(dbname=params["dbname"], user=params.get("user"), host=params.get("host"),
                             port=params.get("port"), autocommit=True) as reader:  # fmt: skip
            reader.execute("SET lock_timeout = '3s'")
            seen.append(reader.execute("SELECT title FROM catalogue_document WHERE slug = %s", [SLUG]).fetchone())
            seen.append(reader.execute("SELECT count(*) FROM catalogue_document").fetchone())

    copy_in = backups.copy_in

    def copy_in_while_someone_reads(*args):
        copy_in(*args)  # the new catalogue is written, not yet committed
        thread = threading.Thread(target=read_meanwhile)
        thread.start()
        thread.join(timeout=30)

    monkeypatch.setattr(backups, "copy_in", copy_in_while_someone_reads)
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    # Mid-restore, a reader was not kept waiting and saw the catalogue as it was before.
    assert seen == [("Retitled after the backup",), (17,)]
    # And the planner has statistics of the new rows at once.
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'catalogue_document'")
        assert cursor.fetchone()[0] is not None
    assert Document.objects.get(slug=SLUG).title != "Retitled after the backup"


def test_a_backup_holds_the_documents_files_and_a_restore_puts_them_back(tmp_path, settings):
    from pathlib import Path

    from catalogue.models import DocumentFile, FilePage

    from .scans import attach, scanned_pdf, text_pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddata", "sample", verbosity=0)
    document = Document.objects.get(slug=SLUG)
    original = attach(document, text_pdf([["The words of the first page."], ["Of the second."]]))
    media = Path(settings.MEDIA_ROOT)

    def stored():
        return {str(path.relative_to(media)): path.read_bytes() for path in media.rglob("*") if path.is_file()}

    before, files_before = catalogue_state(), stored()
    assert original.file.name in files_before and len(files_before) > 2
    target = tmp_path / "backup.zip"
    call_command("backup", str(target), stdout=io.StringIO())
    import zipfile

    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert {entry["name"] for entry in manifest["files"]} == set(files_before)
    # Everything goes: the rows, the bytes, and a stray file the backup does not know.
    for stored_file in DocumentFile.objects.all():
        stored_file.delete()
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    attach(Document.objects.get(slug=SLUG), scanned_pdf([["A scan made after the backup"]]), name="later.pdf")
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert catalogue_state() == before and stored() == files_before
    assert FilePage.objects.filter(file__document__slug=SLUG).count() == 2
    from catalogue import search

    assert search.matching(Document.objects.published(), "second").exists()


def test_a_damaged_file_in_a_backup_stops_the_restore_before_anything_changes(tmp_path, settings):
    import zipfile

    from .scans import attach, text_pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddata", "sample", verbosity=0)
    attach(Document.objects.get(slug=SLUG), text_pdf([["Page"]]))
    target, damaged = tmp_path / "backup.zip", tmp_path / "damaged.zip"
    call_command("backup", str(target), stdout=io.StringIO())
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(damaged, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            copy.writestr(item, data[:-1] + b"?" if item.filename.startswith("files/documents/") else data)
    Document.objects.filter(slug=SLUG).update(title="Changed since the backup")
    before = catalogue_state()
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(damaged), "--yes", stdout=io.StringIO())
    assert catalogue_state() == before
