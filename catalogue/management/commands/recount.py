from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalogue import records, tallies


class Command(BaseCommand):
    help = (
        "Recount the kept counts (published documents per person, place, event, organisation, topic (and "
        "per topic with its narrower topics), type, collection, language, archive and year) from the documents, "
        "after data was changed behind Django's back, and write the research API's kept entry (with the names "
        "kept for the exports) of every published document that lacks one. With --check, "
        "change nothing: list every count that differs and exit with status 1 if any does (for a scheduled check)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report counts that drifted; change nothing.")

    def handle(self, *args, check=False, **options):
        if check:
            drifted = tallies.drift()
            for what, kept, counted in drifted:
                self.stderr.write(f"{what}: kept {kept}, counted {counted}")
            if drifted:
                raise CommandError(f"{len(drifted)} kept counts differ from the documents; run `recount` to mend them.")
            self.stdout.write(self.style.SUCCESS("Every kept count matches the documents."))
            return
        with transaction.atomic():
            tallies.rebuild()
        written = records.fill()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recounted: {tallies.published_total()} published documents; {written} API entries written."
            )
        )
