"""`make bench`: time the catalogue's pages on a large catalogue, against their raw SQL and a naive build."""

import csv
import io
import os
import platform
import re
import tempfile
import time
import tracemalloc
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from catalogue import backups, importer, tallies, views
from catalogue.benchmark import synthetic
from catalogue.benchmark.naive import naive_view
from catalogue.models import Document, Person, Place, Topic, YearTally

DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ')


@dataclass
class Scenario:
    name: str
    path: str
    view: object  # a callable making the view: naive -> view function
    kwargs: dict
    runs: int


@dataclass
class Result:
    p50: float
    p95: float
    queries: int = 0
    raw_p50: float = 0.0
    status: int = 200
    peak_mb: float = 0.0


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = (
        "Build (or reuse) a synthetic catalogue of --size documents on PostgreSQL, then time each scenario "
        "through the real views (p50/p95 after a warm-up), the raw SQL those views issued, and the same "
        "scenarios served the naive way; print the table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", type=int, default=1_000_000, help="Documents in the catalogue (default 1,000,000)."
        )
        parser.add_argument("--runs", type=int, default=20, help="Timed runs per scenario (default 20).")
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--no-naive", action="store_true", help="Skip the naive build's timings.")
        parser.add_argument("--no-rss", action="store_true", help="Skip measuring a gunicorn worker's memory.")
        parser.add_argument(
            "--no-backup", action="store_true", help="Skip timing a backup of the catalogue and its restore."
        )
        parser.add_argument(
            "--no-whole-export", action="store_true", help="Skip timing a CSV export of every published document."
        )
        parser.add_argument("--only-api", action="store_true", help="Time the research API alone.")
        parser.add_argument(
            "--only-exports", action="store_true", help="Time the CSV exports alone (100,000 rows and every row)."
        )
        parser.add_argument(
            "--only-discovery",
            action="store_true",
            help="Time topics, any-of facets, did-you-mean, previous/next and the feed alone.",
        )
        parser.add_argument(
            "--only-reading",
            action="store_true",
            help="Time the documents themselves alone: scans made ready, a 300-page document, page images, OCR search.",
        )

    def handle(
        self, size, runs, warmup, no_naive=False, no_rss=False, no_backup=False, only_api=False, **options
    ):  # fmt: skip
        if connection.vendor != "postgresql":
            self.stderr.write(
                "The benchmark is meant for PostgreSQL (set DATABASE_URL); on SQLite its figures say little."
            )
        existing = Document.objects.count()
        if existing < size:
            self.stderr.write(f"The catalogue has {existing:,} documents; generating {size - existing:,} more…")
            call_command("generate_documents", size - existing, stdout=self.stderr)
        else:
            self.stderr.write(f"Reusing the catalogue of {existing:,} documents.")
        self.factory = RequestFactory(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
        if only_api:
            self.stdout.write(self.api(runs))
            return
        if options.get("only_discovery"):
            self.stdout.write(self.served(runs))
            self.stdout.write(self.discovery(runs))
            return
        if options.get("only_reading"):
            self.stdout.write(self.reading(runs))
            return
        scenarios = self.scenarios(runs)
        if options.get("only_exports"):
            scenarios = [scenario for scenario in scenarios if "export" in scenario.path]
            self.report([(s, self.measure(s, naive=False, warmup=1), None) for s in scenarios], None, runs)
            self.stdout.write(self.whole_export())
            return
        rows = []
        for scenario in scenarios:
            self.stderr.write(f"· {scenario.name}")
            ours = self.measure(scenario, naive=False, warmup=warmup)
            naive = None if no_naive else self.measure(scenario, naive=True, warmup=1, raw=False)
            rows.append((scenario, ours, naive))
        rss = None if no_rss else self.worker_rss([s.path for s in scenarios if "export" not in s.path])
        self.report(rows, rss, runs)
        if not options.get("no_whole_export"):
            self.stdout.write(self.whole_export())
        self.stdout.write(self.api(runs))
        self.stdout.write(self.served(runs))
        self.stdout.write(self.discovery(runs))
        self.stdout.write(self.reading(runs))
        self.stdout.write(self.import_rows())
        if not no_backup:
            self.stdout.write(self.backup_and_restore())

    def whole_export(self):
        """A CSV export of every published document through the view, read to the end as a client would: its
        time, its size, and the process's peak resident memory while it ran (against before it)."""
        self.stderr.write("· CSV export of every document")
        status_file = Path("/proc/self/status")

        def memory(field):
            if not status_file.exists():
                return None
            line = next(line for line in status_file.read_text().splitlines() if line.startswith(field + ":"))
            return int(line.split()[1]) / 1024

        before = memory("VmRSS")
        if before is not None:
            Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
        started = time.perf_counter()
        status, size = self.call(Scenario("every document", "/documents/export.csv", views.DocumentExportView,
                                          {"format": "csv"}, 1), naive=False)  # fmt: skip
        elapsed = time.perf_counter() - started
        if status != 200:
            raise CommandError(f"The export of every document answered {status}.")
        peak = memory("VmHWM")
        memory_note = (
            "" if before is None else f"; the process's peak resident memory {peak:.0f} MB ({before:.0f} MB before)"
        )
        return (
            f"\nCSV export of all {tallies.published_total():,} published documents: {elapsed:.1f} s, "
            f"{size / 1e6:,.0f} MB{memory_note}."
        )

    def import_rows(self, count=10_000):
        """An import of `count` new documents (each tagged with existing entities), timed, then rolled back."""
        people = list(Person.objects.popular().values_list("slug", flat=True)[:3]) or [""]
        places = list(Place.objects.popular().values_list("slug", flat=True)[:1]) or [""]
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["identifier", "title", "date", "summary", "people", "places"])
        for n in range(count):
            writer.writerow([f"bench-import-{n:05d}", f"Imported record {n}", f"19{50 + n % 40}",
                             "Text about the harbour.", "; ".join(people[: 1 + n % 2]), places[0]])  # fmt: skip
        self.stderr.write("· import")
        started = time.perf_counter()
        with transaction.atomic():
            report = importer.run(io.BytesIO(lines.getvalue().encode()), "csv")
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        if not report.ok:
            raise CommandError(f"The benchmark's import file was refused: {report.errors[:3]}")
        return f"\nImport of {count:,} new documents (rolled back after): {elapsed:.1f} s."

    def backup_and_restore(self):
        """A backup of the whole catalogue and its restore over itself, timed, with the file's size."""
        with tempfile.TemporaryDirectory(prefix="catalogue-bench-") as scratch:
            target = Path(scratch) / "backup.zip"
            self.stderr.write("· backup")
            started = time.perf_counter()
            backups.write(target)
            backed_up = time.perf_counter() - started
            self.stderr.write("· restore")
            started = time.perf_counter()
            backups.restore(target)
            restored = time.perf_counter() - started
            size = target.stat().st_size / 1e6
        return (
            f"\nBackup of {Document.objects.count():,} documents: {backed_up:.0f} s, a file of {size:,.0f} MB; "
            f"its restore: {restored:.0f} s."
        )

    # Scenarios -------------------------------------------------------------------------

    def scenarios(self, runs):
        # The seed's shape: a person of modest fame (about 200 documents in a million, as Wang Ming has
        # 14 in the seed) with the place most often named with them.
        people = list(Person.objects.popular().values_list("slug", flat=True)[:1])
        target = max(5, Document.objects.count() // 5000)
        modest = Person.objects.filter(document_count__gte=target).order_by("document_count", "id").first()
        person = modest.slug if modest else people[0]
        place = Document.objects.published().filter(people__slug=person).facet(Place, 1)[0].slug
        top_person = people[0]
        # Another person of the same modest fame, for "any of" two people.
        other = (
            Person.objects.filter(document_count__gte=target).exclude(slug=person)
            .order_by("document_count", "id").values_list("slug", flat=True).first() or top_person
        )  # fmt: skip
        deep_page = max(1, min(5000, tallies.published_total() // 10))
        export_from, export_to = self.export_years(target=min(100_000, max(1000, Document.objects.count() // 10)))
        listing = views.DocumentListView
        export = views.DocumentExportView
        return [
            Scenario("landing listing, all facets", "/documents/", listing, {}, runs),
            Scenario("seed-shaped person + place", f"/documents/?person={person}&place={place}", listing, {}, runs),
            Scenario(
                f"rare keyword ({synthetic.RARE_WORD})", f"/documents/?q={synthetic.RARE_WORD}", listing, {}, runs
            ),
            Scenario(
                f"common keyword ({synthetic.COMMON_WORD})", f"/documents/?q={synthetic.COMMON_WORD}", listing, {}, runs
            ),
            Scenario(f"page {deep_page:,} of the listing", f"/documents/?page={deep_page}", listing, {}, runs),
            Scenario(
                "any of two people",
                f"/documents/?person={person}&person={other}&person_op=any",
                listing,
                {},
                runs,
            ),
            *(
                [
                    Scenario(
                        f"topic with its narrower topics ({broad.name})",
                        f"/documents/?topic={broad.slug}",
                        listing,
                        {},
                        runs,
                    )
                ]
                if (broad := Topic.objects.filter(parent=None, narrower__isnull=False).order_by("id").first())
                else []
            ),  # fmt: skip
            Scenario(
                "most-documented person's page",
                f"/people/{top_person}/",
                views.PersonDetailView,
                {"slug": top_person},
                runs,
            ),
            Scenario(
                "CSV export",
                f"/documents/export.csv?date_from={export_from}&date_to={export_to}",
                export,
                {"format": "csv"},
                max(3, runs // 5),
            ),
        ]

    def api(self, runs):
        """The research API through the whole stack (middleware, throttle, validation, JSON): one document,
        a page of 100 with the seed's filters, the first and the 5,000th page of 100 by cursor, and a walk."""
        import orjson
        from django.test import Client

        from catalogue import api

        client = Client(HTTP_HOST=self.factory.defaults["HTTP_HOST"])
        with self.settings_for_api():
            slug = Document.objects.published().order_by("-added", "-id").values_list("slug", flat=True)[5000]
            person, place = self.seed_filters()
            # The cursor after the 499,999th document (or as deep as the catalogue goes), made as the API makes it.
            depth = min(499_999, tallies.published_total() - 101)
            keys = list(Document.objects.published().order_by("-added", "-id").values_list("added", "id")[depth])
            deep = api.make_cursor("documents", {}, keys)

            def timed(url, **params):
                """p50 ms of the answer made afresh (at an address not asked before: a parameter the API ignores,
                except for a cursor's, which is never kept), and served from the cache."""
                for _ in range(3):
                    assert client.get(url, params).status_code == 200, url
                fresh, kept = [], []
                for run in range(runs):
                    started = time.perf_counter()
                    client.get(url, params if "cursor" in params else {**params, "fresh": run})
                    fresh.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    client.get(url, params)
                    kept.append(time.perf_counter() - started)
                return percentile(fresh, 0.5) * 1000, percentile(kept, 0.5) * 1000

            rows = [
                ("one document", *timed(f"/api/v1/documents/{slug}/")),
                ("page of 100, seed's filters", *timed("/api/v1/documents/", person=person, place=place, limit=100)),
                ("first page of 100", *timed("/api/v1/documents/", limit=100)),
                (f"page {depth // 100 + 2:,} of 100 by cursor", *timed("/api/v1/documents/", limit=100, cursor=deep)),
            ]
            walked, started, url, params = 0, time.perf_counter(), "/api/v1/documents/", {"limit": 500}
            while url and walked < 200_000:
                body = orjson.loads(client.get(url, params).content)
                walked += len(body["results"])
                url, params = body["next"], None
            rate = walked / (time.perf_counter() - started)
        lines = ["", "Research API (p50 ms, through the whole stack):", ""]
        lines += ["| request | made afresh | from the cache |", "| --- | ---: | ---: |"]
        lines += [f"| {name} | {fresh:.1f} | {kept:.1f} |" for name, fresh, kept in rows]
        lines += ["", f"Walking by cursor, 500 a page: {walked:,} documents at {rate:,.0f} documents/s."]
        return "\n".join(lines)

    def discovery(self, runs):
        """Finding one's way, through the whole stack, p50 ms of pages made afresh: a broad topic with its
        narrower ones, any of two people, a search offered "did you mean", previous and next on a document
        opened from the seed-shaped results, and the feed of the newest 50; and the did-you-mean lookup alone."""
        from django.test import Client

        from catalogue import spelling

        client = Client(HTTP_HOST=self.factory.defaults["HTTP_HOST"])
        with self.settings_for_api():
            broad = Topic.objects.filter(parent=None, narrower__isnull=False).order_by("id").first()
            person, place = self.seed_filters()
            target = max(5, Document.objects.count() // 5000)
            people = list(
                Person.objects.filter(document_count__gte=target).order_by("document_count", "id")
                .values_list("slug", flat=True)[:2]
            )  # fmt: skip
            seed = f"person={person}&place={place}"
            opened = Document.objects.published().filter(people__slug=person, places__slug=place)
            at = max(2, min(6, opened.count() - 1))  # a place with a document before it and one after
            opened = opened.order_by("-added", "-id").values_list("slug", flat=True)[at - 1]
            misspelt = Person.objects.popular().values_list("name", flat=True)[3].split()[-1]
            misspelt = misspelt[:2] + misspelt[3] + misspelt[2] + misspelt[4:]  # two letters swapped

            def timed(url):
                # A parameter the pages ignore makes each address new to the page cache (in the address
                # itself: the test client drops an address's own query when given parameters apart).
                fresh = f"{url}{'&' if '?' in url else '?'}fresh="
                for _ in range(3):
                    assert client.get(f"{fresh}warm").status_code == 200, url
                times = []
                for run in range(runs):
                    started = time.perf_counter()
                    status = client.get(f"{fresh}{run}").status_code
                    times.append(time.perf_counter() - started)
                    assert status == 200, (url, status)
                return percentile(times, 0.5) * 1000

            rows = [
                (f"topic with its narrower topics ({broad.name})", timed(f"/documents/?topic={broad.slug}")),
                ("any of two people", timed(f"/documents/?person={people[0]}&person={people[-1]}&person_op=any")),
                (f"a search for “{misspelt}”, offered a name", timed(f"/documents/?q={misspelt}")),
                ("a document with previous and next", timed(f"/documents/{opened}/?in={quote(seed)}&at={at}")),
                ("the feed of the newest 50", timed("/documents/feed.atom")),
            ]
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                spelling.suggestion(misspelt, connection.vendor)
                times.append(time.perf_counter() - started)
            rows.append(("the did-you-mean lookup alone", percentile(times, 0.5) * 1000))
            from catalogue import navigation

            document = Document.objects.get(slug=opened)
            request = self.factory.get(f"/documents/{opened}/?in={quote(seed)}&at={at}")
            request.user = _Anonymous()
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                found = navigation.around(document, request)
                times.append(time.perf_counter() - started)
            assert found.previous and found.next, "the document is not where it was opened from"
            rows.append(("previous and next alone", percentile(times, 0.5) * 1000))
        lines = ["", "Finding one's way (p50 ms, made afresh):", "", "| request | p50 ms |", "| --- | ---: |"]
        return "\n".join(lines + [f"| {name} | {ms:.1f} |" for name, ms in rows])

    def served(self, runs):
        """An anonymous reader's pages through the whole stack: made afresh, from the page cache, and a
        revalidation answered 304 (p50 ms)."""
        from django.core.cache import caches
        from django.test import Client

        client = Client(HTTP_HOST=self.factory.defaults["HTTP_HOST"])
        person, place = self.seed_filters()
        rows = []
        with self.settings_for_api():
            for name, url in (
                ("landing listing", "/documents/"),
                ("seed-shaped", f"/documents/?person={person}&place={place}"),
            ):
                afresh, kept, revalidated = [], [], []
                for run in range(runs + 3):
                    fresh = f"{url}{'&' if '?' in url else '?'}fresh={run}"  # an address the cache has not seen
                    started = time.perf_counter()
                    first = client.get(fresh)
                    made = time.perf_counter() - started
                    started = time.perf_counter()
                    again = client.get(fresh)
                    from_cache = time.perf_counter() - started
                    started = time.perf_counter()
                    unchanged = client.get(fresh, headers={"If-None-Match": first["ETag"]})
                    answered = time.perf_counter() - started
                    assert (first.status_code, again.status_code, unchanged.status_code) == (200, 200, 304), url
                    if run >= 3:  # after a warm-up
                        afresh.append(made), kept.append(from_cache), revalidated.append(answered)
                rows.append((name, *(percentile(times, 0.5) * 1000 for times in (afresh, kept, revalidated))))
        backend = type(caches["default"]).__name__
        lines = ["", f"Pages for anonymous readers (p50 ms, whole stack; page cache: {backend}):", ""]
        lines += ["| page | made afresh | from the cache | 304 revalidation |", "| --- | ---: | ---: | ---: |"]
        return "\n".join(lines + [f"| {name} | {a:.1f} | {k:.1f} | {r:.1f} |" for name, a, k, r in rows])

    def reading(self, runs):
        """The documents themselves: see `catalogue.benchmark.reading`."""
        from catalogue.benchmark import reading

        with self.settings_for_api():
            return reading.measure(self.factory.defaults["HTTP_HOST"], runs, self.stderr.write)

    @contextmanager
    def settings_for_api(self):
        """Requests through the whole stack, as a production server answers them: no rate limit for the one
        client, and the database connection kept between requests (`deploy/cluster` keeps it 60 s), as the
        views called directly keep theirs; a new connection for each request would be timed too."""
        from django.test.utils import override_settings

        kept = connection.settings_dict["CONN_MAX_AGE"]
        connection.settings_dict["CONN_MAX_AGE"] = 60
        try:
            with override_settings(CATALOGUE_API_RATE="100000000/min", ALLOWED_HOSTS=["*"]):
                yield
        finally:
            connection.settings_dict["CONN_MAX_AGE"] = kept

    def seed_filters(self):
        target = max(5, Document.objects.count() // 5000)
        modest = Person.objects.filter(document_count__gte=target).order_by("document_count", "id").first()
        person = modest or Person.objects.popular().first()
        place = Document.objects.published().filter(people=person).facet(Place, 1)[0]
        return person.slug, place.slug

    def export_years(self, target):
        """A span of years holding about `target` published documents."""
        years = list(YearTally.objects.exclude(year=0).order_by("year").values_list("year", "document_count"))
        best = (years[0][0], years[0][0]) if years else (1950, 1950)
        for index, (first, _) in enumerate(years):
            total = 0
            for last, count in years[index:]:
                total += count
                if total >= target:
                    if best == (years[0][0], years[0][0]) or last - first < best[1] - best[0]:
                        best = (first, last)
                    break
        return best

    # Measuring ---------------------------------------------------------------------------

    def call(self, scenario, naive):
        path, _, query = scenario.path.partition("?")
        request = self.factory.get(path + ("?" + query if query else ""))
        request.user = _Anonymous()
        view_class, naive_kwargs = naive_view(scenario.view) if naive else (scenario.view, {})
        view = view_class.as_view(**naive_kwargs, **{k: v for k, v in scenario.kwargs.items() if k == "format"})
        url_kwargs = {k: v for k, v in scenario.kwargs.items() if k != "format"}
        try:
            response = view(request, **url_kwargs)
        except Http404:
            return 404, 0
        if hasattr(response, "render"):
            response.render()
        if response.streaming:
            # Read as a client would, a piece at a time, holding none of it.
            return response.status_code, sum(len(piece) for piece in response.streaming_content)
        return response.status_code, len(response.content)

    def measure(self, scenario, naive, warmup, raw=True):
        for _ in range(warmup):
            self.call(scenario, naive)
        statements = []
        if raw:
            with CaptureQueriesContext(connection) as captured:
                self.call(scenario, naive)
            # A server-side cursor is read here to the end in one go: the same query, the same rows.
            statements = [DECLARE.sub("", q["sql"]) for q in captured.captured_queries]
        # The page and its raw SQL take turns, so that a machine whose speed drifts (a shared host) slows
        # both alike and the ratio of the two compares like with like.
        timings, raw_timings, peak = [], [], 0.0
        for _ in range(scenario.runs):
            reset_queries()
            started = time.perf_counter()
            status, _ = self.call(scenario, naive)
            timings.append(time.perf_counter() - started)
            if raw:
                raw_timings.append(self.time_raw(statements))
        if "export" in scenario.path:
            # Its memory in a run of its own: tracing every allocation slows Python several times over.
            tracemalloc.start()
            self.call(scenario, naive)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        result = Result(percentile(timings, 0.5), percentile(timings, 0.95), status=status, peak_mb=peak)
        if raw:
            result.queries = len(statements)
            result.raw_p50 = percentile(raw_timings, 0.5)
        return result

    def time_raw(self, statements):
        """The same SQL, sent straight to the database and read to the end: seconds, once."""
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for sql in statements:
                if sql.startswith("COPY"):  # an export written by the database: read to the end
                    with cursor.cursor.copy(sql) as copy:
                        for _ in copy:
                            pass
                    continue
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            return time.perf_counter() - started

    def worker_rss(self, paths):
        """Resident memory of one gunicorn worker after it has served every page scenario five times."""
        from catalogue.benchmark.serving import gunicorn_worker, memory_mb

        try:
            with gunicorn_worker() as (port, worker):
                for _ in range(5):
                    for path in paths:
                        try:
                            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()
                        except OSError:
                            pass
                return memory_mb(worker)
        except (OSError, ValueError, IndexError):
            return None

    # Reporting ---------------------------------------------------------------------------

    def report(self, rows, rss, runs):
        total = Document.objects.count()
        database = connection.vendor
        if database == "postgresql":
            database += f" {connection.pg_version // 10000}.{connection.pg_version % 100}"
        machine = f"{os.cpu_count()} cores, {platform.machine()}, {database}"
        lines = [
            f"Benchmark {date.today().isoformat()}: {total:,} documents; {machine}; {runs} runs after warm-up.",
            "",
            "| scenario | p50 ms | p95 ms | raw SQL p50 ms | ratio | queries "
            "| naive p50 ms | naive p95 ms | naive / ours |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for scenario, ours, naive in rows:
            name = scenario.name
            if ours.status != 200:
                name += f" (HTTP {ours.status})"
            if ours.peak_mb:
                name += f"; peak {ours.peak_mb:.0f} MB" + (f" (naive {naive.peak_mb:.0f} MB)" if naive else "")
            ratio = ours.p50 / ours.raw_p50 if ours.raw_p50 else 0
            naive_cells = (
                f"{naive.p50 * 1000:.0f} | {naive.p95 * 1000:.0f} | {naive.p50 / ours.p50:.1f}×"
                if naive
                else "– | – | –"
            )
            lines.append(
                f"| {name} | {ours.p50 * 1000:.1f} | {ours.p95 * 1000:.1f} | {ours.raw_p50 * 1000:.1f} | "
                f"{ratio:.2f} | {ours.queries} | {naive_cells} |"
            )
        if rss is not None:
            lines += ["", f"gunicorn worker RSS after serving every page scenario 5 times: {rss:.0f} MB."]
        self.stdout.write("\n".join(lines))


class _Anonymous:
    is_authenticated = False
    is_staff = False

    def has_perm(self, perm):
        return False
