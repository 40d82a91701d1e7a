"""Bulk import: all or nothing, updates by identifier, named errors, large files."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalogue import importer, search
from catalogue.models import Collection, Document, Person, Status

pytestmark = pytest.mark.django_db

HEADER = ["identifier", "title", "date", "summary", "language", "people", "places", "collections"]


def write_csv(tmp_path, rows, header=HEADER, name="documents.csv", encoding="utf-8"):
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_rows():
    return [
        ["letter-one", "Letter one", "1957-03", "About the harbour.", "russian", "wang-ming; Mao Zedong", "China", ""],
        ["letter-two", "Letter two", "1958", "", "Chinese", "new:Li Lisan", "soviet-union; china", "new:Letters"],
    ]


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_documents", str(path), "--no-progress", *args, stdout=out, stderr=err)
    except CommandError as error:
        return None, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def test_good_file_creates_then_updates_without_duplicates(tmp_path, sample):
    path = write_csv(tmp_path, good_rows())
    ok, out, _ = run(path)
    assert ok and "Imported: 2 created, 0 updated, 0 unchanged, 0 errors." in out
    one = Document.objects.get(slug="letter-one")
    assert one.status == Status.DRAFT
    assert (one.title, one.date, str(one.date_start), str(one.date_end)) == (
        "Letter one",
        "1957-03",
        "1957-03-01",
        "1957-03-31",
    )
    assert set(one.people.values_list("slug", flat=True)) == {"wang-ming", "mao-zedong"}
    assert one.language.slug == "russian"
    two = Document.objects.get(slug="letter-two")
    assert Person.objects.get(slug="li-lisan").documents.get() == two
    assert Collection.objects.get(slug="letters").name == "Letters"
    # Searchable at once (by staff; drafts are never public).
    assert search.matching(Document.objects.all(), "Lisan").get() == two
    # History records the import with its relations.
    record = one.history.first()
    assert record.history_change_reason == "Imported from a file"
    assert {row.person.slug for row in record.people.all()} == {"wang-ming", "mao-zedong"}

    rows = good_rows()
    rows[0][1] = "Letter one, revised"
    rows[0][5] = "wang-ming"
    rows[1][6] = "China; Soviet Union"  # same places by name: unchanged
    rows[1][5] = "li-lisan"  # the person created last time, now by slug
    rows[1][7] = "letters"
    path = write_csv(tmp_path, rows)
    ok, out, _ = run(path)
    assert "1 created" not in out and "0 created, 1 updated, 1 unchanged" in out
    assert Document.objects.filter(slug__startswith="letter-").count() == 2
    one.refresh_from_db()
    assert one.title == "Letter one, revised" and list(one.people.values_list("slug", flat=True)) == ["wang-ming"]
    assert Person.objects.filter(slug="li-lisan").count() == 1


def test_one_bad_row_among_many_writes_nothing_and_names_it(tmp_path, sample):
    rows = [[f"bulk-{n}", f"Bulk {n}", "1960", "", "", "mao-zedong", "", ""] for n in range(300)]
    rows[217][2] = "1960-13-01"
    rows[250][5] = "Nobody Known"
    path = write_csv(tmp_path, rows)
    before = (Document.objects.count(), Document.history.count(), Person.objects.count())
    ok, out, err = run(path)
    assert ok is None
    assert "row 219, column “date”" in err  # header is row 1
    assert "row 252, column “people”: no person “Nobody Known”" in err
    assert "Nothing was written" in err
    assert (Document.objects.count(), Document.history.count(), Person.objects.count()) == before


def test_dry_run_writes_nothing(tmp_path, sample):
    ok, out, _ = run(write_csv(tmp_path, good_rows()), "--dry-run")
    assert ok and "Would import: 2 created" in out and "Dry run" in out
    assert not Document.objects.filter(slug__startswith="letter-").exists()
    assert not Person.objects.filter(slug="li-lisan").exists()


def test_wrong_encoding_is_refused(tmp_path, sample):
    path = write_csv(tmp_path, [["kievan", "Київ letter", "", "", "", "", "", ""]], encoding="cp1251")
    ok, _, err = run(path)
    assert ok is None and "not UTF-8" in err
    assert not Document.objects.filter(slug="kievan").exists()


def test_a_utf8_byte_order_mark_is_fine(tmp_path, sample):
    path = write_csv(tmp_path, [["kyiv-letter", "Київ letter", "", "", "", "", "", ""]], encoding="utf-8-sig")
    ok, _, _ = run(path)
    assert ok and Document.objects.get(slug="kyiv-letter").title == "Київ letter"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("identifier,title\n", "no documents"),
        ("title,date\nA,1956\n", "Missing column: identifier"),
        ("identifier,title,colour\na,A,red\n", "Unknown column: colour"),
        ("identifier,title,title\na,A,B\n", "Repeated column: title"),
    ],
)
def test_unreadable_files_are_refused_whole(tmp_path, sample, content, message):
    path = tmp_path / "file.csv"
    path.write_text(content, encoding="utf-8")
    ok, _, err = run(path)
    assert ok is None and message in err


def test_row_level_problems_are_each_named(tmp_path, sample):
    rows = [
        ["Not A Slug", "x", "", "", "", "", "", ""],
        ["dup", "first", "", "", "", "", "", ""],
        ["dup", "second", "", "", "", "", "", ""],
        ["no-title", "", "", "", "", "", "", ""],
        ["two-langs", "t", "", "", "russian; chinese", "", "", ""],
    ]
    ok, _, err = run(write_csv(tmp_path, rows))
    assert ok is None
    for expected in (
        "row 2, column “identifier”",
        "row 4, column “identifier”: “dup” is also on row 3",
        "row 5, column “title”: is empty",
        "row 6, column “language”: takes one value",
    ):
        assert expected in err


def test_json_import(tmp_path, sample):
    path = tmp_path / "documents.json"
    path.write_text(
        json.dumps(
            [
                {
                    "identifier": "json-one",
                    "title": "From JSON",
                    "date": "1961-05-02",
                    "people": ["wang-ming", "Zhou Enlai"],
                },
                {"identifier": "json-two", "title": "Second", "people": "kang-sheng; new:Someone New"},
            ]
        ),
        encoding="utf-8",
    )
    ok, out, _ = run(path)
    assert ok and "2 created" in out
    assert set(Document.objects.get(slug="json-one").people.values_list("slug", flat=True)) == {
        "wang-ming",
        "zhou-enlai",
    }
    bad = tmp_path / "bad.json"
    bad.write_text('[{"identifier": "x", "title": "y"}, {"identifier": "z"', encoding="utf-8")
    ok, _, err = run(bad)
    assert ok is None and "JSON cannot be read" in err
    assert not Document.objects.filter(slug="x").exists()


def test_only_an_editor_imports_as_published(tmp_path, sample):
    path = write_csv(tmp_path, good_rows())
    archivist = User.objects.create_user("arch", is_staff=True)
    archivist.groups.add(Group.objects.get(name="Archivist"))
    ok, _, err = run(path, "--user", "arch", "--status", "published")
    assert ok is None and "Only an Editor" in err
    editor = User.objects.create_user("ed", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    ok, _, _ = run(path, "--user", "ed", "--status", "published")
    assert ok and Document.objects.get(slug="letter-one").status == Status.PUBLISHED
    assert Document.objects.get(slug="letter-one").history.first().history_user == editor


def test_an_archivist_cannot_change_a_published_document_by_import(tmp_path, sample):
    published = Document.objects.published().first()
    archivist = User.objects.create_user("arch", is_staff=True)
    archivist.groups.add(Group.objects.get(name="Archivist"))
    path = write_csv(tmp_path, [[published.slug, "Rewritten", "", "", "", "", "", ""]])
    ok, _, err = run(path, "--user", "arch")
    assert ok is None and "is published; only an Editor may change it" in err
    published.refresh_from_db()
    assert published.title != "Rewritten"


def test_ten_thousand_rows(tmp_path, sample):
    rows = [
        [f"generated-{n:05d}", f"Generated record {n}", f"19{50 + n % 40}", "Text about the harbour.", "russian",
         "mao-zedong; wang-ming" if n % 2 else "zhou-enlai", "china", "sino-soviet-relations"]
        for n in range(10_000)
    ]  # fmt: skip
    path = write_csv(tmp_path, rows)
    ok, out, _ = run(path)
    assert ok and "10000 created" in out
    assert Document.objects.filter(slug__startswith="generated-").count() == 10_000
    assert Document.people.through.objects.filter(document__slug__startswith="generated-").count() == 15_000
    assert search.matching(Document.objects.all(), "Generated record 9999").filter(slug="generated-09999").exists()
    ok, out, _ = run(path)
    assert "10000 unchanged" in out


def test_admin_import_checks_then_confirms(admin_client, sample, tmp_path):
    url = reverse("admin:catalogue_document_import")
    assert admin_client.get(url).status_code == 200
    path = write_csv(tmp_path, good_rows())
    with path.open("rb") as upload:
        report = admin_client.post(url, {"file": upload})
    assert report.status_code == 200
    assert report.context["report"].counts["created"] == 2
    assert not Document.objects.filter(slug="letter-one").exists()  # nothing yet
    token = report.context["token"]
    done = admin_client.post(url, {"token": token}, follow=True)
    assert "Imported: 2 created" in done.content.decode()
    assert Document.objects.get(slug="letter-one").status == Status.DRAFT
    # A token is good once.
    again = admin_client.post(url, {"token": token}, follow=True)
    assert "no longer available" in again.content.decode()


def test_admin_import_reports_errors_and_writes_nothing(admin_client, sample, tmp_path):
    rows = good_rows()
    rows[1][4] = "Klingon"
    path = write_csv(tmp_path, rows)
    with path.open("rb") as upload:
        report = admin_client.post(reverse("admin:catalogue_document_import"), {"file": upload})
    assert report.context["token"] == ""
    assert "Klingon" in report.content.decode()
    assert not Document.objects.filter(slug__startswith="letter-").exists()


def test_admin_import_refuses_tokens_of_others(client, sample, tmp_path):
    archivist = User.objects.create_user("arch", is_staff=True)
    archivist.groups.add(Group.objects.get(name="Archivist"))
    client.force_login(archivist)
    response = client.post(reverse("admin:catalogue_document_import"), {"token": "1-deadbeef.csv"}, follow=True)
    assert "no longer available" in response.content.decode()


def test_importer_reports_are_bounded(sample):
    rows = "identifier,title\n" + "".join(f"bad {n},\n" for n in range(500))
    report = importer.run(io.BytesIO(rows.encode()), "csv", dry_run=True)
    assert report.error_count == 1000 and len(report.errors) == importer.MAX_REPORTED_ERRORS


def test_a_long_transcription_in_a_csv_cell_is_read(tmp_path, sample):
    text = "word " * 60_000  # 300,000 characters: over the csv module's default limit
    header = ["identifier", "title", "full_text"]
    ok, out, err = run(write_csv(tmp_path, [["long-letter", "A long letter", text]], header=header))
    assert ok, err
    (kept,) = Document.objects.get(slug="long-letter").texts.all()
    assert len(kept.body) == len(text.strip()) and kept.label == "Text"
    # Imported again without a text, the document keeps none.
    ok, out, err = run(write_csv(tmp_path, [["long-letter", "A long letter", ""]], header=header))
    assert ok, err
    assert not Document.objects.get(slug="long-letter").texts.exists()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("title", "Bad\x00title", "column “title”: holds the control character U+0000"),
        ("summary", "vertical\x0btab", "column “summary”: holds the control character U+000B"),
        ("summary", "start\x01", "U+0001"),
        ("summary", "end\ufffe", "U+FFFE"),
        ("credit", "a C1 control\x85", "column “credit”: holds the control character U+0085"),
        ("source", "non\ufdd0character", "U+FDD0"),
        ("people", "new:Li\x00Fu", "column “people”: holds the control character U+0000"),
        ("people", "new:" + "L" * 300, "column “people”: the new name"),
    ],
)
def test_bad_characters_and_over_long_new_names_are_row_errors(tmp_path, sample, column, value, expected):
    header = ["identifier", "title", column] if column != "title" else ["identifier", "title"]
    row = ["letter", value] if column == "title" else ["letter", "A letter", value]
    before = (Document.objects.count(), Person.objects.count())
    ok, _, err = run(write_csv(tmp_path, [row], header=header))
    assert ok is None and "row 2" in err and expected in err
    assert (Document.objects.count(), Person.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_write_one_after_the_other_and_count_what_they_wrote(tmp_path):
    import threading

    from django.db import connection

    rows = [[f"letter-{n}", f"Letter {n}", "1957", "", "", "", "", ""] for n in range(300)]
    path = write_csv(tmp_path, rows)
    reports, problems = [], []

    def import_once():
        try:
            with path.open("rb") as binary:
                reports.append(importer.run(binary, "csv"))
        except importer.ImportFileError as error:
            problems.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=import_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Document.objects.count() == 300, (reports, problems)
    # Both wrote, one after the other, and each says what it did: the second found nothing to change.
    assert not problems
    assert sorted((r.counts["created"], r.counts["unchanged"]) for r in reports) == [(0, 300), (300, 0)]


# The admin's import runs in the background, in a real task worker. ------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload_and_confirm(client, tmp_path, rows):
    url = reverse("admin:catalogue_document_import")
    path = write_csv(tmp_path, rows)
    with path.open("rb") as upload:
        token = client.post(url, {"file": upload}).context["token"]
    return client.post(url, {"token": token, "file_name": "letters.csv"})


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_import_is_written_by_the_task_worker_with_its_progress(admin_client, media, tmp_path, settings):
    from catalogue.models import ImportJob

    call_command("loaddata", "sample", verbosity=0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    confirmed = upload_and_confirm(admin_client, tmp_path, good_rows())
    assert confirmed.status_code == 303
    job_page = confirmed["Location"]
    waiting = admin_client.get(job_page)
    assert "Queued" in waiting.content.decode() and 'http-equiv="refresh"' in waiting.content.decode()
    assert not Document.objects.filter(slug="letter-one").exists()  # the request wrote nothing
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job = ImportJob.objects.get()
    assert (job.state, job.rows_checked, job.summary) == ("done", 2, "2 created, 0 updated, 0 unchanged, 0 errors")
    done = admin_client.get(job_page).content.decode()
    assert "Imported: 2 created" in done and 'http-equiv="refresh"' not in done
    assert Document.objects.get(slug="letter-one").status == Status.DRAFT
    assert not list((media / "imports").iterdir())  # the upload is gone once written


def test_uploads_wait_in_storage_for_their_owner_only_and_are_removed_when_abandoned(
    admin_client, sample, media, tmp_path
):
    import os
    from datetime import timedelta

    from django.utils import timezone

    from catalogue import uploads

    url = reverse("admin:catalogue_document_import")
    with write_csv(tmp_path, good_rows()).open("rb") as upload:
        token = admin_client.post(url, {"file": upload}).context["token"]
    stored = media / "imports" / token
    assert stored.is_file() and stored.stat().st_mode & 0o777 == 0o600
    assert (media / "imports").stat().st_mode & 0o777 == 0o700
    assert uploads.remove_abandoned() == 0  # fresh: kept
    old = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(stored, (old, old))
    assert uploads.remove_abandoned() == 1 and not stored.exists()
    gone = admin_client.post(url, {"token": token}, follow=True)
    assert "no longer available" in gone.content.decode()


def test_an_import_job_is_its_owners_to_see(client, admin_client, sample, media, tmp_path):
    confirmed = upload_and_confirm(admin_client, tmp_path, good_rows())
    archivist = User.objects.create_user("arch", is_staff=True)
    archivist.groups.add(Group.objects.get(name="Archivist"))
    client.force_login(archivist)
    assert client.get(confirmed["Location"]).status_code == 403
    assert admin_client.get(reverse("admin:catalogue_document_import_job", args=[999])).status_code == 404


def test_the_creator_column_is_imported_updated_and_exported(client, tmp_path, sample):
    header = ["identifier", "title", "creator"]
    ok, _, err = run(write_csv(tmp_path, [["letter-one", "Letter one", "Li Lisan; Wang Ming"]], header=header))
    assert ok, err
    assert Document.objects.get(slug="letter-one").creators == ["Li Lisan", "Wang Ming"]
    ok, out, err = run(write_csv(tmp_path, [["letter-one", "Letter one", "Li Lisan"]], header=header))
    assert ok and "1 updated" in out, err
    document = Document.objects.get(slug="letter-one")
    assert document.creator == "Li Lisan"
    document.status = Status.PUBLISHED
    document.save()
    response = client.get("/documents/export.csv", {"q": "Letter"})
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row["creator"] for row in rows if row["slug"] == "letter-one"] == ["Li Lisan"]


# Files ------------------------------------------------------------------------------------------------


@pytest.fixture
def scans(tmp_path, settings):
    from .scans import image_bytes, text_pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "scans"
    (folder / "letters").mkdir(parents=True)
    (folder / "letters" / "first.pdf").write_bytes(text_pdf([["A letter's first page."], ["Its second."]]))
    (folder / "letters" / "annex_page.png").write_bytes(image_bytes(["Annex"]))
    (folder / "notes.txt").write_text("Not a scan.")
    return folder


def test_a_files_column_brings_each_documents_scans_in_order(tmp_path, sample, scans,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    from catalogue.models import DocumentFile

    row = ["with-scans", "A letter with its scans", "letters/first.pdf; letters/annex_page.png"]
    sheet = write_csv(tmp_path, [row], header=["identifier", "title", "files"])
    with django_capture_on_commit_callbacks(execute=True):
        ok, out, err = run(sheet, "--files", str(scans))
    assert ok, err
    files = list(Document.objects.get(slug="with-scans").files.all())
    assert [(f.label, f.media_type, f.page_count, f.state) for f in files] == [
        ("first", "application/pdf", 2, "ready"), ("annex page", "image/png", 1, "ready"),
    ]  # fmt: skip
    # Imported again in another order: the same files, reordered, none stored twice.
    sheet = write_csv(tmp_path, [["with-scans", "A letter with its scans", "letters/annex_page.png;letters/first.pdf"]],
                      header=["identifier", "title", "files"])  # fmt: skip
    ok, out, err = run(sheet, "--files", str(scans))
    assert ok, err
    assert [f.label for f in Document.objects.get(slug="with-scans").files.all()] == ["annex page", "first"]
    assert (scans / "letters" / "first.pdf").exists(), "the folder imported from is left as it was"
    assert DocumentFile.objects.count() == 2


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("letters/missing.pdf", "“letters/missing.pdf” is not in the files' folder."),
        ("../secret.pdf", "must be a path inside the files' folder"),
        ("/etc/passwd", "must be a path inside the files' folder"),
        ("notes.txt", "“notes.txt”: “notes.txt” is neither a PDF nor a JPEG, PNG or TIFF image."),
    ],
)
def test_a_file_that_cannot_be_brought_names_its_row_and_writes_nothing(tmp_path, sample, scans, cell, says):
    from pathlib import Path

    before = Document.objects.count()
    sheet = write_csv(tmp_path, [["fine", "Fine", "letters/first.pdf"], ["broken", "Broken", cell]],
                      header=["identifier", "title", "files"])  # fmt: skip
    ok, out, err = run(sheet, "--files", str(scans))
    assert not ok and "row 3" in err.lower() and "files" in err and says in err
    assert Document.objects.count() == before
    media = Path(tmp_path / "media")
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_files_column_without_the_files_says_how_to_give_them(tmp_path, sample, scans):
    sheet = write_csv(tmp_path, [["x", "X", "letters/first.pdf"]], header=["identifier", "title", "files"])
    ok, out, err = run(sheet)
    assert not ok and "give their folder (--files DIR) or import a ZIP" in err


def test_a_zip_brings_its_sheet_and_files_together(tmp_path, sample, scans, django_capture_on_commit_callbacks):
    import zipfile

    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("sheet.csv", "identifier,title,files\nzipped,A zipped letter,scans/first.pdf\n")
        archive.write(scans / "letters" / "first.pdf", "scans/first.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        ok, out, err = run(bundle)
    assert ok, err
    (stored,) = Document.objects.get(slug="zipped").files.all()
    assert stored.page_count == 2 and "first page" in stored.pages.first().text
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "identifier,title\na,A\n")
        archive.writestr("b.json", "[]")
    ok, out, err = run(two)
    assert not ok and "exactly one .csv or .json sheet" in err


def test_the_admin_imports_a_zip_of_a_sheet_and_its_scans(admin_client, sample, tmp_path, scans,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    import zipfile

    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("sheet.csv", "identifier,title,files\nzipped,A zipped letter,first.pdf\n")
        archive.write(scans / "letters" / "first.pdf", "first.pdf")
    url = reverse("admin:catalogue_document_import")
    with bundle.open("rb") as upload:
        report = admin_client.post(url, {"file": upload})
    assert report.context["report"].counts["created"] == 1 and report.context["token"].endswith(".zip")
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"token": report.context["token"]}, follow=True)
    assert "Imported: 1 created" in done.content.decode()
    (stored,) = Document.objects.get(slug="zipped").files.all()
    assert stored.state == "ready" and stored.page_count == 2


def test_a_zip_member_larger_than_the_limit_is_refused_before_it_is_unpacked(tmp_path, sample, settings):
    import zipfile

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CATALOGUE_MAX_FILE_SIZE = 1_000_000
    bundle = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.csv", "identifier,title,files\nbig,Big,huge.pdf\n")
        archive.writestr("huge.pdf", b"%PDF-1.4\n" + b"0" * 50_000_000)  # 50 MB that packs into 50 KB
    ok, out, err = run(bundle)
    assert not ok and "“huge.pdf” is 50 MB; files may be at most 1 MB." in err
    assert not Document.objects.filter(slug="big").exists()
