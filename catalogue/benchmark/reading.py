"""`make bench`'s reading room: the worker's time on a 20-page scanned PDF, a document page with a 300-page
scan, a page image through the checking view, a search for words found only by OCR, and a gunicorn worker's
memory while a large file is uploaded to the admin."""

import http.client
import tempfile
import time
import urllib.request

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings

from catalogue import reading, specimen
from catalogue.benchmark.serving import gunicorn_worker, memory_mb
from catalogue.models import Document

# Words the synthetic catalogue never uses: found only in the scan's OCR text.
OCR_WORD = "zeppelinfeld"
LINES = (
    "Ciphered telegram. Strictly secret. Copy number two.",
    "To the Central Committee, on the talks of the fourth of September.",
    "The delegation was received at the station by the deputy minister.",
    "The harbour works at the northern port are behind the plan by a month.",
    "The question of the loan was put off until the next session.",
)


def _scanned_pages(count):
    """`count` A4 pages of typed text (30 lines) as a scanner gives them at 200 dpi: image only, a line naming
    the OCR word on page 1."""
    pages = []
    for number in range(1, count + 1):
        lines = [f"Page {number}.", *(LINES * 6)]
        if number == 1:
            lines[1] = f"Received at the {OCR_WORD} office."
        pages.append(lines[:30])
    return pages


def _attach(document, data, name):
    return reading.receive(document, SimpleUploadedFile(name, data), label=name)


def _p50(times):
    times = sorted(times)
    return times[len(times) // 2] * 1000


def measure(host, runs, log):
    """The reading room's figures as Markdown lines."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-media-") as media, override_settings(MEDIA_ROOT=media):
        documents = Document.objects.published().order_by("id")
        scanned_document, long_document = documents[0], documents[1]
        for document in (scanned_document, long_document):
            for stored in document.files.all():
                stored.delete()

        log("· the worker on a 20-page scanned PDF (render, OCR)")
        data = specimen.scan_pdf(_scanned_pages(20), size=(1654, 2339), font_size=34, leading=62)
        stored = _attach(scanned_document, data, "scan-20.pdf")
        started = time.perf_counter()
        reading.make_derivatives(stored)
        rows.append(("derivatives and OCR of a 20-page scanned PDF, in the worker", time.perf_counter() - started, "s"))

        log("· a 300-page scan (with a text layer)")
        stored = _attach(long_document, specimen.text_pdf([[f"Page {n} of a long file."] for n in range(1, 301)]),
                         "scan-300.pdf")  # fmt: skip
        started = time.perf_counter()
        reading.make_derivatives(stored)
        rows.append(("derivatives of a 300-page PDF with a text layer", time.perf_counter() - started, "s"))

        client = Client(HTTP_HOST=host)
        with override_settings(CATALOGUE_PAGE_CACHE_SECONDS=0):
            page = long_document.get_absolute_url()
            image = f"/iiif/3/{stored.pk}-150/full/max/0/default.jpg"
            search = f"/documents/?q={OCR_WORD}"
            for label, url in (
                ("a document page with a 300-page scan", page),
                ("a page image through the checking view", image),
                (f"a search for a word found only by OCR (“{OCR_WORD}”)", search),
            ):
                fresh = f"{url}{'&' if '?' in url else '?'}fresh="
                for warm in range(3):
                    response = client.get(f"{fresh}warm{warm}")
                    assert response.status_code == 200, (url, response.status_code)
                times = []
                for run in range(runs):
                    started = time.perf_counter()
                    response = client.get(f"{fresh}{run}")
                    if response.streaming:
                        b"".join(response.streaming_content)
                    times.append(time.perf_counter() - started)
                if url == search:
                    assert scanned_document.title in response.content.decode(), "the OCR word was not found"
                rows.append((label, _p50(times), "ms"))

        log("· a gunicorn worker's memory while a 150 MB file is uploaded")
        growth = upload_memory(150)
        if growth is not None:
            rows.append(("growth of a web worker's peak memory over a 150 MB upload", growth, "MB"))
        for document in (scanned_document, long_document):
            for stored in document.files.all():
                stored.delete()
    lines = ["", "The documents themselves (p50 of made-afresh answers; the worker's times once):", "",
             "| what | figure |", "| --- | ---: |"]  # fmt: skip
    unit_format = {"s": "{:.1f} s", "ms": "{:.1f} ms", "MB": "{:.1f} MB"}
    return "\n".join(lines + [f"| {name} | {unit_format[unit].format(value)} |" for name, value, unit in rows])


def upload_memory(megabytes):
    """How much a gunicorn worker's peak memory grows while it receives a `megabytes` MB multipart upload
    (sent in blocks, never whole in this process either): Django writes it to a temporary file as it comes."""
    try:
        with gunicorn_worker(timeout=300) as (port, worker):
            # A CSRF cookie makes Django read the body before it refuses the request (no session, no token).
            login = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10)
            cookie = next(value.split(";")[0] for name, value in login.getheaders() if name.lower() == "set-cookie"
                          and value.startswith("csrftoken="))  # fmt: skip
            before = memory_mb(worker, "VmHWM")
            boundary = "benchmark-boundary"
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            tail = f"\r\n--{boundary}--\r\n".encode()
            block = b"%PDF-1.4\n" + b"0" * ((1 << 20) - 9)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            # The admin's import form: Django reads the whole body, the file to a temporary file, then refuses it.
            connection.putrequest("POST", "/admin/catalogue/document/import/")
            connection.putheader("Cookie", cookie)
            connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            connection.putheader("Content-Length", str(len(head) + megabytes * len(block) + len(tail)))
            connection.endheaders()
            connection.send(head)
            for _ in range(megabytes):
                connection.send(block)
            connection.send(tail)
            connection.getresponse().read()
            return memory_mb(worker, "VmHWM") - before
    except (OSError, ValueError, IndexError, StopIteration, http.client.HTTPException):
        return None
