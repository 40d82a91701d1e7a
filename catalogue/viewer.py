"""The reading room: a document's scans and texts on its page, and the doors other software reads them by.

Every door checks publication first (curators also see drafts, privately): the original files, each page's
images as a IIIF Image API 3.0 level 0 service (the fixed sizes `reading.WIDTHS` made in the background),
the document's IIIF Presentation 3.0 manifest, and plain-text downloads of its texts and of the words read
off its scans.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext

from . import delivery, reading, search
from .backends import database
from .models import Document, DocumentFile, DocumentText, FilePage, Status

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
_IDENT = re.compile(r"^([0-9]{1,12})-([0-9]{1,6})$")
_SIZE = re.compile(r"^(max|([0-9]{1,5}),([0-9]{0,5}))$")
CORS = {"Access-Control-Allow-Origin": "*"}


def may_see_drafts(request):
    return request.user.is_authenticated and request.user.has_perm("catalogue.view_document")


def _visible(request, document):
    """Whether `request` may read this document's files; a 404 for anyone else."""
    if document.status != Status.PUBLISHED and not may_see_drafts(request):
        raise Http404("No such file.")
    return document.status == Status.PUBLISHED


def _service_prefix():
    """The start of every page's image service address ("/iiif/3/"), worked out once."""
    return reverse("iiif-image-base", args=["0-0"]).removesuffix("0-0")


@dataclass
class ScanPage:
    """A page of a document's scans, numbered across all its files (`position`)."""

    position: int
    page: "PageSize"
    file: DocumentFile
    prefix: str  # `_service_prefix()`, worked out once for all the pages

    @property
    def ident(self):
        return f"{self.file.pk}-{self.page.number}"

    @property
    def service(self):
        return f"{self.prefix}{self.ident}"

    def size(self, width):
        """(width, height) of this page shown at most `width` pixels wide (one of its sizes)."""
        shown = min(width, self.page.width)
        return shown, reading.page_size(self.page.width, self.page.height, shown)

    def image(self, width):
        """The address of this page at most `width` pixels wide."""
        shown, height = self.size(width)
        if shown == self.page.width:
            return f"{self.service}/full/max/0/default.jpg"
        return f"{self.service}/full/{shown},{height}/0/default.jpg"

    @property
    def thumbnail(self):
        return self.image(reading.THUMBNAIL)

    @property
    def thumbnail_width(self):
        return self.size(reading.THUMBNAIL)[0]

    @property
    def thumbnail_height(self):
        return self.size(reading.THUMBNAIL)[1]

    @property
    def screen(self):
        return self.image(reading.SCREEN)

    @property
    def screen_width(self):
        return self.size(reading.SCREEN)[0]

    @property
    def screen_height(self):
        return self.size(reading.SCREEN)[1]

    @property
    def info(self):
        return f"{self.service}/info.json"

    @property
    def label(self):
        return str(self.position)


@dataclass
class PageSize:
    """What a page of a scan is to the viewer: its number in its file, and its largest image's size."""

    number: int
    width: int
    height: int


def scan_pages(document, files=None):
    """Every page of the document's files whose derivatives are ready, in reading order (a 300-page scan is
    read as 300 rows of numbers, not 300 model instances); `files`, the document's files if already read."""
    files = document.files.all() if files is None else files
    files = {stored.pk: stored for stored in files if stored.state == DocumentFile.State.READY}
    if not files:
        return []
    rows = (
        FilePage.objects.filter(file_id__in=list(files))
        .order_by("file__order", "file_id", "number")
        .values_list("file_id", "number", "width", "height")
    )
    prefix = _service_prefix()
    return [
        ScanPage(position, PageSize(number, width, height), files[file_id], prefix)
        for position, (file_id, number, width, height) in enumerate(rows, start=1)
    ]


@dataclass
class Reading:
    """What the document page shows of the document itself."""

    document: Document
    pages: list
    files: list
    texts: list
    start: int
    query: str
    found_pages: list
    found_text: str
    side_by_side: list

    @property
    def current(self):
        return self.pages[self.start - 1] if self.pages else None

    @property
    def plain_url(self):
        """This page's address with the search's words and nothing else."""
        return "?" + urlencode({"q": self.query}) if self.query else "?"

    @property
    def page_prefix(self):
        """The start of an address opening the scan at a page (its number follows)."""
        return f"{self.plain_url}{'&' if self.query else ''}page="

    @property
    def thumbnails(self):
        """Every page's thumbnail, linked to the page: one list item each, written here rather than by the
        template (a 300-page scan is 300 of them on every view of its page)."""
        # Every value is escaped once: the address prefix (it carries the search's words) and the label's words;
        # the rest are numbers and addresses made of numbers.
        prefix, label = escape(self.page_prefix), escape(gettext("Page %(number)s"))
        items = []
        for page in self.pages:
            current = ' aria-current="page"' if page.position == self.start else ""
            items.append(
                f'<li><a href="{prefix}{page.position}#scan" data-page="{page.position}"{current}>'
                f'<img src="{page.thumbnail}" alt="" loading="lazy" width="{page.thumbnail_width}" '
                f'height="{page.thumbnail_height}" class="scan__thumbnail">'
                f"<span>{label % {'number': page.position}}</span></a></li>"
            )
        return mark_safe("\n".join(items))  # noqa: S308  (escaped above)

    @property
    def viewer_pages(self):
        """What the viewer script reads: each page's image service and thumbnail."""
        return [{"info": page.info, "thumbnail": page.thumbnail, "label": page.label} for page in self.pages]


def reading_room(document, request):
    """The scans, files and texts of `document` for its page; a search's words (`q`) marked in the texts and
    the viewer opened at the page (`page`) or at the first page they are on."""
    files = list(document.files.all())
    pages = scan_pages(document, files)
    texts = list(document.texts.select_related("language"))
    query = search.clean(request.GET.get("q", ""))[: search.MAX_QUERY_LENGTH]
    found_pages, found_text = [], ""
    if query:
        words = search.any_words(query)
        if words:
            positions = {(page.file.pk, page.page.number): page.position for page in pages}
            marked_texts = {}
            for _document, source, source_id, number, marked, *_ in database().passages([document.pk], words, True):
                if source == "text":
                    marked_texts[source_id] = marked
                elif (source_id, number) in positions:
                    found_pages.append((positions[(source_id, number)], marked))
            for text in texts:
                if text.pk in marked_texts and search.MARK_START in marked_texts[text.pk]:
                    text.marked = search.marked(marked_texts[text.pk])
            found_pages.sort()
    start = _page_number(request.GET.get("page"), len(pages))
    if start is None:
        start = found_pages[0][0] if found_pages else 1
    for position, marked in found_pages:
        if position == start:
            found_text = search.marked(marked)
    wanted = request.GET.get("beside", "")
    side_by_side = []
    if wanted:
        chosen = [int(pk) for pk in wanted.split(",")[:2] if pk.isdigit()]
        side_by_side = [text for pk in chosen for text in texts if text.pk == pk]
        if len(side_by_side) != 2:
            side_by_side = []
    return Reading(
        document, pages, files, texts, start, query, [position for position, _ in found_pages], found_text,
        side_by_side,
    )  # fmt: skip


def _page_number(value, count):
    if value and value.isdigit() and 1 <= int(value) <= count:
        return int(value)
    return None


# The doors ----------------------------------------------------------------------------------------------


def original(request, pk, name):
    """An original file as it was received, under a name made of the document's slug and the file's label."""
    stored = get_object_or_404(DocumentFile.objects.select_related("document"), pk=pk)
    public = _visible(request, stored.document)
    return delivery.send(
        request, stored.file.name, media_type=stored.media_type, etag=f'"{stored.sha256}"', modified=stored.uploaded,
        filename=stored.download_name, attachment="download" in request.GET, public=public, size=stored.size,
    )  # fmt: skip


def _page(request, ident):
    match = _IDENT.match(ident)
    if match is None:
        raise Http404("No such image.")
    file_id, number = (int(part) for part in match.groups())
    page = (
        FilePage.objects.select_related("file__document")
        .defer("text")
        .filter(file_id=file_id, number=number, file__state=DocumentFile.State.READY)
        .first()
    )
    if page is None:
        raise Http404("No such image.")
    return page, _visible(request, page.file.document)


def _with_cors(response):
    for header, value in CORS.items():
        response[header] = value
    return response


def image_info(request, ident):
    """The IIIF Image API 3.0 description of one page: level 0, its fixed sizes."""
    page, public = _page(request, ident)
    base = request.build_absolute_uri(reverse("iiif-image-base", args=[ident]))
    widths = reading.page_widths(page.width)
    body = {
        "@context": IMAGE_CONTEXT,
        "id": base,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": page.width,
        "height": page.height,
        "sizes": [{"width": width, "height": reading.page_size(page.width, page.height, width)} for width in widths],
        "extraFormats": [],
        "preferredFormats": ["jpg"],
    }
    response = JsonResponse(body, content_type='application/ld+json;profile="http://iiif.io/api/image/3/context.json"')
    return _with_cors(delivery.finish(response, {}, public))


def image_base(request, ident):
    """The image service's own address leads to its description, as the Image API asks."""
    from django.http import HttpResponseRedirect

    _page(request, ident)
    return _with_cors(HttpResponseRedirect(reverse("iiif-image-info", args=[ident]), status=303))


def image(request, ident, region, size, rotation, quality):
    """One page at one of its sizes: `full/max/0/default.jpg`, `full/600,/0/default.jpg`, `full/600,800/...`."""
    page, public = _page(request, ident)
    widths = reading.page_widths(page.width)
    match = _SIZE.match(size)
    problem = None
    if region != "full" or rotation != "0" or quality != "default.jpg":
        problem = "This image service gives whole pages (full), unrotated (0), as default.jpg."
    elif match is None:
        problem = "A size is max, w, or w,h."
    if problem is None and match.group(1) != "max":
        width = int(match.group(2))
        height = match.group(3)
        expected = reading.page_size(page.width, page.height, width) if width in widths else None
        if expected is None or (height and int(height) != expected):
            sizes = ", ".join(f"{w},{reading.page_size(page.width, page.height, w)}" for w in widths)
            problem = f"This page is offered at these sizes only: {sizes} (max)."
    if problem is not None:
        return _with_cors(HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8"))
    width = page.width if match.group(1) == "max" else int(match.group(2))
    name = reading.derivative_name(page.file_id, page.number, width)
    stored = page.file
    response = delivery.send(
        request, name, media_type="image/jpeg", etag=f'"{stored.sha256[:32]}-{page.number}-{width}"',
        modified=stored.processed or stored.uploaded, filename=f"{stored.document.slug}-{page.number}.jpg",
        public=public,
    )  # fmt: skip
    return _with_cors(response)


def manifest(request, slug):
    """The document's IIIF Presentation API 3.0 manifest: one canvas a page, each painted by its image service."""
    document = get_object_or_404(Document.objects.select_related("language", "repository"), slug=slug)
    public = _visible(request, document)
    pages = scan_pages(document)
    if not pages:
        raise Http404("This document has no scans to show.")
    body = manifest_body(request, document, pages)
    response = JsonResponse(
        body, content_type='application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
    )
    return _with_cors(delivery.finish(response, {}, public))


def _value(text):
    return {"none": [str(text)]}


def manifest_body(request, document, pages):
    absolute = request.build_absolute_uri
    address = absolute(reverse("iiif-manifest", args=[document.slug]))
    canvas_base = absolute(document.get_absolute_url())
    metadata = [("Date", document.date_display)]
    if document.creator:
        metadata.append(("Creator", document.creator))
    if document.source:
        metadata.append(("Source", document.source))
    if document.language_id:
        metadata.append(("Original language", document.language.name))
    if document.repository_id:
        metadata.append(("Holding archive", document.repository.name))
    canvases = []
    for page in pages:
        service = absolute(page.service)
        canvas = f"{canvas_base}canvas/{page.position}"
        width, height = page.page.width, page.page.height
        thumb_width, thumb_height = page.size(reading.THUMBNAIL)
        canvases.append({
            "id": canvas,
            "type": "Canvas",
            "label": _value(f"p. {page.position}"),
            "width": width,
            "height": height,
            "thumbnail": [{
                "id": absolute(page.thumbnail), "type": "Image", "format": "image/jpeg",
                "width": thumb_width, "height": thumb_height,
                "service": [{"id": service, "type": "ImageService3", "profile": "level0"}],
            }],
            "items": [{
                "id": f"{canvas}/page",
                "type": "AnnotationPage",
                "items": [{
                    "id": f"{canvas}/page/image",
                    "type": "Annotation",
                    "motivation": "painting",
                    "target": canvas,
                    "body": {
                        "id": f"{service}/full/max/0/default.jpg", "type": "Image", "format": "image/jpeg",
                        "width": width, "height": height,
                        "service": [{"id": service, "type": "ImageService3", "profile": "level0"}],
                    },
                }],
            }],
        })  # fmt: skip
    body = {
        "@context": PRESENTATION_CONTEXT,
        "id": address,
        "type": "Manifest",
        "label": _value(document.title),
        "metadata": [{"label": {"en": [label]}, "value": _value(value)} for label, value in metadata],
        "requiredStatement": {
            "label": {"en": ["Attribution"]},
            "value": _value(document.credit or settings.CATALOGUE_NAME),
        },
        "homepage": [{
            "id": canvas_base, "type": "Text", "label": _value(document.title), "format": "text/html",
        }],
        "rendering": [
            {
                "id": absolute(stored.get_absolute_url()), "type": "Text" if stored.media_type == "application/pdf"
                else "Image", "label": _value(str(stored)), "format": stored.media_type,
            }
            for stored in {page.file.pk: page.file for page in pages}.values()
        ],
        "items": canvases,
    }  # fmt: skip
    if document.summary:
        body["summary"] = _value(document.summary)
    if document.rights:
        body["rights"] = document.rights
    body["thumbnail"] = canvases[0]["thumbnail"]
    return body


def _plain(request, body, filename, public):
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = delivery.content_disposition(filename, attachment=True)
    return delivery.finish(response, {}, public)


def text_download(request, slug, pk):
    """One text as plain text: a heading saying what it is and who made it, then the text."""
    text = get_object_or_404(DocumentText.objects.select_related("document", "language"), pk=pk, document__slug=slug)
    public = _visible(request, text.document)
    lines = [text.document.title, text.label]
    if text.made_by:
        lines.append(text.made_by + (f", {text.made_on}" if text.made_on else ""))
    if text.note:
        lines.append(text.note)
    body = "\n".join(lines) + "\n\n" + text.body.rstrip() + "\n"
    filename = f"{text.document.slug}-{slugify(text.label) or 'text'}.txt"
    return _plain(request, body, filename, public)


def scan_text(request, pk):
    """The words read off every page of a file (its text layer, or OCR), page by page, as plain text."""
    stored = get_object_or_404(DocumentFile.objects.select_related("document"), pk=pk)
    public = _visible(request, stored.document)
    parts = [f"{stored.document.title}\n{stored}\n"]
    for number, text, source in stored.pages.values_list("number", "text", "text_source"):
        how = {"ocr": " (read by OCR)", "layer": ""}.get(source, " (no words found)")
        parts.append(f"--- Page {number}{how} ---\n{text.strip()}\n")
    return _plain(request, "\n".join(parts), f"{stored.document.slug}-scan-text.txt", public)
