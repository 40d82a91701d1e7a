from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalogue import importer
from catalogue.models import Status


class Command(BaseCommand):
    help = (
        "Import documents from a CSV or JSON file (or a ZIP holding one with the files it names), all or "
        "nothing: every row (and every file) is checked before anything is written, and any error means nothing "
        "is. Re-importing updates documents by their identifier. Columns are described in "
        "fixtures/import-template.csv and docs/archivists.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .csv or .json file, or a .zip holding one and its files.")
        parser.add_argument(
            "--files", metavar="DIR", help="The folder the paths of the sheet's “files” column are relative to."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")
        parser.add_argument(
            "--format",
            choices=("csv", "json", "zip"),
            help="The file's format, if its name does not end in .csv, .json or .zip.",
        )
        parser.add_argument(
            "--user", help="The username the change history records; must be an Editor to import as published."
        )
        parser.add_argument(
            "--status",
            choices=Status.values,
            default=Status.DRAFT,
            help="Status of newly created documents (default: draft). Only an Editor may choose another.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, path, dry_run=False, format=None, user=None, status=Status.DRAFT, no_progress=False, **options):
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"No file at {path}.")
        folder = options.get("files")
        if folder and not Path(folder).is_dir():
            raise CommandError(f"No folder at {folder}.")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user “{user}”.")
        elif status != Status.DRAFT:
            raise CommandError("Give --user (an Editor) to import documents as anything but drafts.")
        progress = None
        if not no_progress:

            def progress(label):
                return tqdm(desc=label, unit=" rows", file=self.stderr._out, leave=False)

        try:
            file_format = format or importer.detect_format(file_path.name)
            with file_path.open("rb") as binary:
                report = importer.run(
                    binary, file_format, user=account, status=status, dry_run=dry_run, progress=progress,
                    files=folder,
                )  # fmt: skip
        except importer.ImportFileError as error:
            raise CommandError(str(error)) from None
        for error in report.errors:
            self.stderr.write(f"Error: {error}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"… and {report.error_count - len(report.errors)} more errors.")
        verb = "Would import" if dry_run or not report.ok else "Imported"
        self.stdout.write(f"{verb}: {report.summary()}.")
        if not report.ok:
            raise CommandError("Nothing was written: correct the errors above and import the file again.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
