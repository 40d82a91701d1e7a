import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from tqdm import tqdm

from catalogue import reading, records, search, tallies
from catalogue.backends import postgresql
from catalogue.benchmark import synthetic
from catalogue.models import (
    ENTITY_KINDS,
    MANY_KINDS,
    Collection,
    Document,
    DocumentEntry,
    DocumentText,
    DocumentType,
    EntryNames,
    Event,
    Language,
    Organisation,
    Person,
    Place,
    Repository,
    Topic,
)

BATCH = 10_000
DOCUMENTS = Document._meta.db_table
DOCUMENT_COLUMNS = (
    "id", "title", "slug", "summary", "date", "date_start", "date_end", "source", "credit",
    "language_id", "repository_id", "status", "added", "modified", "document_type_id",
)  # fmt: skip
TEXTS = DocumentText._meta.db_table
# Each synthetic document's text is an English translation (its original language is drawn separately).
TEXT_COLUMNS = ("document_id", "kind", "body", "made_by", "made_on", "note", '"order"', "search_config")
# (vocabulary, table of links, its column naming the entity) for each many-valued kind.
LINKS = tuple((kind.document_field, kind.link_model()._meta.db_table, kind.link_column()) for kind in MANY_KINDS)


class Command(BaseCommand):
    help = (
        "Add N synthetic documents (with people, places, events, collections, languages and archives drawn "
        "with long-tailed frequencies) for measuring the catalogue at scale. Search index and counts are "
        "left current. Synthetic documents have no change history."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many documents to add.")
        parser.add_argument(
            "--total", action="store_true", help="Add only as many as the catalogue needs to hold COUNT documents."
        )
        parser.add_argument("--seed", type=int, default=1956, help="The same seed makes the same catalogue.")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--scans",
            type=int,
            default=0,
            metavar="N",
            help="Give the first N new documents a generated scan (pages of their own text, drawn as a scanner "
            "gives them), made ready as the worker does: page images and OCR.",
        )

    def handle(self, count, seed=1956, no_progress=False, total=False, **options):
        if total:
            existing = Document.objects.count()
            if existing >= count:
                self.stdout.write(f"The catalogue already holds {existing:,} documents.")
                return
            count -= existing
        if count < 1:
            raise CommandError("Give a positive number of documents.")
        started = time.perf_counter()
        import random

        vocab = synthetic.vocabulary(count, random.Random(seed))
        ids = self.create_entities(vocab)
        first_id = (Document.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        maker = synthetic.Maker(vocab, seed, first_id, count)
        postgres = connection.vendor == "postgresql"
        bar = tqdm(total=count, unit=" docs", disable=no_progress, file=self.stderr._out)
        rebuild_gin = postgres and count >= 50_000
        with transaction.atomic():
            if rebuild_gin:
                # One index build at the end is far faster than updating it row by row; and each foreign key
                # checked once for all the rows (one join) far faster than once a row (tens of millions of
                # deferred checks at a million documents), as PostgreSQL's guide to populating a database says.
                with connection.cursor() as cursor:
                    cursor.execute("DROP INDEX IF EXISTS document_search_vector")
                foreign_keys = self.drop_foreign_keys([DOCUMENTS, TEXTS, *(table for _, table, _ in LINKS)])
            for start in range(0, count, BATCH):
                rows = [maker.row(index) for index in range(start, min(start + BATCH, count))]
                if postgres:
                    self.copy_batch(rows, vocab, ids)
                else:
                    self.insert_batch(rows, vocab, ids)
                bar.update(len(rows))
            bar.close()
            inserted = time.perf_counter() - started
            if postgres:
                with connection.cursor() as cursor:
                    # Past the new rows, never back (a sequence keeps no transaction: ids handed out in one that
                    # was rolled back stay handed out).
                    sequence = f"pg_get_serial_sequence('{DOCUMENTS}', 'id')"
                    cursor.execute(
                        f"SELECT setval({sequence}, GREATEST((SELECT max(id) FROM {DOCUMENTS}),"
                        f" (SELECT last_value FROM {DOCUMENTS}_id_seq)))"
                    )
                    if rebuild_gin:
                        self.stderr.write(f"Written in {inserted:.0f} s; checking the references…")
                        for table, name, definition in foreign_keys:
                            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                        # Check what is still deferred now: an index cannot be built while it is pending.
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        self.stderr.write("Building the search index…")
                        cursor.execute(postgresql.gin_index_sql())
            self.stderr.write("Recounting…")
            tallies.rebuild()
            if postgres:
                # The planner needs the new rows' statistics to page through them by id and read their tags
                # (without, a batch of 500 entries at a million documents took seconds instead of milliseconds).
                with connection.cursor() as cursor:
                    for table in (DOCUMENTS, TEXTS, *(table for _, table, _ in LINKS)):
                        cursor.execute(f"ANALYZE {table}")
            self.stderr.write("Writing the API's entries…")
            entries = tqdm(total=count, unit=" entries", disable=no_progress, file=self.stderr._out)
            records.fill(progress=entries.update)
            entries.close()
        if postgres:
            self.stderr.write("Analysing…")
            # VACUUM sets the visibility map that index-only scans need; it cannot run in a transaction.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            # Every table written, the names and the API's entries too: without, the planner takes twenty
            # thousand people for the two thousand it last saw and joins a page's names by reading them all.
            written = (DOCUMENTS, TEXTS, *(table for _, table, _ in LINKS), DocumentEntry._meta.db_table,
                       EntryNames._meta.db_table)  # fmt: skip
            with connection.cursor() as cursor:
                for table in (*written, *(kind._meta.db_table for kind in ENTITY_KINDS)):
                    cursor.execute(f"{command} {table}")
        if options.get("scans"):
            self.add_scans(first_id, min(options["scans"], count), no_progress)
        total = time.perf_counter() - started
        self.stdout.write(
            f"Added {count:,} documents in {total:.1f} s ({count / total:,.0f} documents/s overall; "
            f"{count / inserted:,.0f}/s written and indexed before the final index build and recount)."
        )

    def drop_foreign_keys(self, tables):
        """Drop the foreign keys of these tables, for the bulk load; [(table, name, definition)] to add back."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [list(tables)],
            )
            found = cursor.fetchall()
            for table, name, _definition in found:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return found

    def create_entities(self, vocab):
        """Create what the vocabulary names (reusing any that exist); {kind: [id by position]}."""
        kinds = {
            "people": (Person, vocab.people),
            "places": (Place, vocab.places),
            "events": (Event, vocab.events),
            "collections": (Collection, vocab.collections),
            "languages": (Language, vocab.languages),
            "repositories": (Repository, vocab.repositories),
            "organisations": (Organisation, vocab.organisations),
            "types": (DocumentType, vocab.types),
        }
        ids = {}
        # Topics: the broad ones, then the narrower ones under them.
        broad = [entry for entry in vocab.topics if "parent" not in entry[2]]
        Topic.objects.bulk_create([Topic(slug=slug, name=name) for slug, name, _ in broad], ignore_conflicts=True)
        by_slug = dict(Topic.objects.filter(slug__in=[e[0] for e in broad]).values_list("slug", "id"))
        Topic.objects.bulk_create(
            [
                Topic(slug=slug, name=name, parent_id=by_slug[vocab.topics[extra["parent"]][0]])
                for slug, name, extra in vocab.topics
                if "parent" in extra
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        by_slug = dict(Topic.objects.filter(slug__in=[e[0] for e in vocab.topics]).values_list("slug", "id"))
        ids["topics"] = [by_slug[slug] for slug, _, _ in vocab.topics]
        for kind, (model, entries) in kinds.items():
            model.objects.bulk_create(
                [model(slug=slug, name=name, **extra) for slug, name, extra in entries],
                batch_size=2000,
                ignore_conflicts=True,
            )
            by_slug = dict(model.objects.filter(slug__in=[e[0] for e in entries]).values_list("slug", "id"))
            ids[kind] = [by_slug[slug] for slug, _, _ in entries]
        return ids

    def add_scans(self, first_id, count, no_progress):
        """A generated scan for each of `count` documents from `first_id`: its translation's sentences typed on
        pages (four a page), its pages made and read by OCR as the worker does."""
        import textwrap

        from django.core.files.uploadedfile import SimpleUploadedFile

        from catalogue import specimen

        self.stderr.write(f"Drawing and reading {count:,} scans…")
        documents = Document.objects.filter(pk__gte=first_id).order_by("pk")[:count]
        for document in tqdm(documents, unit=" scans", disable=no_progress, file=self.stderr._out):
            text = " ".join(document.texts.values_list("body", flat=True)) or document.title
            lines = textwrap.wrap(text, 60)[:90] or [document.title[:60]]
            pages = [lines[start : start + 30] for start in range(0, len(lines), 30)]
            data = specimen.scan_pdf(pages, size=(1654, 2339), font_size=34, leading=62)
            stored = reading.receive(document, SimpleUploadedFile("scan.pdf", data), label="Generated scan")
            reading.make_derivatives(stored)

    def document_values(self, row, ids):
        return (
            row.id, row.title, row.slug, row.summary, row.date, row.date_start, row.date_end, "", "",
            ids["languages"][row.language],
            ids["repositories"][row.repository] if row.repository is not None else None,
            row.status, row.added, row.added, ids["types"][row.document_type],
        )  # fmt: skip

    def text_values(self, rows):
        config = reading.search_config(None)  # English, the synthetic texts' language
        return [(row.id, "translation", row.full_text, "", "", "", 0, config) for row in rows if row.full_text]

    def link_rows(self, rows, ids):
        for name, table, column in LINKS:
            yield table, column, [(row.id, ids[name][i]) for row in rows for i in getattr(row, name)]

    def names(self, row, vocab):
        return " ".join(
            [vocab.people[i][1] for i in row.people]
            + [vocab.organisations[i][1] for i in row.organisations]
            + [vocab.places[i][1] for i in row.places]
            + [vocab.events[i][1] for i in row.events]
            + [vocab.topics[i][1] for i in row.topics]
        )

    def copy_batch(self, rows, vocab, ids):
        columns = ", ".join(DOCUMENT_COLUMNS)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS synthetic_documents "
                f"(LIKE {DOCUMENTS} INCLUDING DEFAULTS, names text, full_text text) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE synthetic_documents")
            with cursor.copy(f"COPY synthetic_documents ({columns}, names, full_text) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*self.document_values(row, ids), self.names(row, vocab), row.full_text))
            texts = f"setweight(to_tsvector('{postgresql.CONFIG}', s.full_text), 'C')"
            vector = postgresql.vector_sql("s.title", "s.names", "s.summary", texts)
            cursor.execute(
                f"INSERT INTO {DOCUMENTS} ({columns}, search_vector) "
                f"SELECT {', '.join('s.' + c for c in DOCUMENT_COLUMNS)}, {vector} FROM synthetic_documents AS s"
            )
            for table, column, links in self.link_rows(rows, ids):
                with cursor.copy(f"COPY {table} (document_id, {column}) FROM STDIN") as copy:
                    for link in links:
                        copy.write_row(link)
            with cursor.copy(f"COPY {TEXTS} ({', '.join(TEXT_COLUMNS)}) FROM STDIN") as copy:
                for values in self.text_values(rows):
                    copy.write_row(values)

    def insert_batch(self, rows, vocab, ids):
        columns = ", ".join(DOCUMENT_COLUMNS)
        placeholders = ", ".join(["%s"] * len(DOCUMENT_COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {DOCUMENTS} ({columns}) VALUES ({placeholders})",
                [self.document_values(row, ids) for row in rows],
            )
            for table, column, links in self.link_rows(rows, ids):
                cursor.executemany(f"INSERT INTO {table} (document_id, {column}) VALUES (%s, %s)", links)
            marks = ", ".join(["%s"] * len(TEXT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {TEXTS} ({', '.join(TEXT_COLUMNS)}) VALUES ({marks})", self.text_values(rows)
            )
        search.update_index([row.id for row in rows])
