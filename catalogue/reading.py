"""The documents themselves: original files checked on arrival, the images and words made of them.

A file is received (`inspect`): its media type is read from its bytes, never from its name or the
browser's word; it must be a PDF or a JPEG, PNG or TIFF image that opens, within the size limit
(`CATALOGUE_MAX_FILE_SIZE`) and small enough once decoded (no decompression bombs). Its derivatives are
made in the background (`tasks.make_derivatives` calls `make_derivatives`): every page rendered (PDFs by
PDFium) at the fixed widths the viewer and the IIIF image service offer, and the words of every page read
from the PDF's text layer or, where it has none, by Tesseract in the document's language.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

# The media types received, and the extension their stored copies and downloads get.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
_PILLOW_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff", "MPO": "image/jpeg"}

# The widths every page is made at (never wider than it is): thumbnails, the screen, and the largest,
# which OCR reads too (2,400 pixels is about 290 dpi across an A4 page).
THUMBNAIL, SCREEN, LARGEST = 200, 1200, 2400
WIDTHS = (THUMBNAIL, SCREEN, LARGEST)
JPEG_QUALITY = 82
# A page is never decoded past this many pixels (a 20,000 × 10,000 scan is a bomb, not a page).
MAX_PIXELS = 200_000_000
MAX_PAGES = 5_000

# OCR reads pages at most this wide (about 200 dpi across an A4 page: typed text is read as well as at 300, in
# half the time), in grey, each Tesseract on one thread while CATALOGUE_OCR_THREADS pages are read at once.
OCR_WIDTH = 1700
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# PostgreSQL's text search configurations by language tag: stemming where PostgreSQL has it. English uses
# the catalogue's own (English stemming, accents folded); a language with none is searched word for word.
SEARCH_CONFIGS = {
    "en": "catalogue", "ru": "russian", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "sv": "swedish", "da": "danish", "fi": "finnish", "hu": "hungarian",
    "nb": "norwegian", "no": "norwegian", "ro": "romanian", "tr": "turkish",
}  # fmt: skip
# Tesseract's language packs by language tag (Debian's tesseract-ocr-rus, -chi-sim, ...).
OCR_LANGUAGES = {
    "en": "eng", "ru": "rus", "zh": "chi_sim", "zh-Hans": "chi_sim", "zh-Hant": "chi_tra", "de": "deu",
    "fr": "fra", "pl": "pol", "sq": "sqi", "uk": "ukr", "cs": "ces", "hu": "hun", "bg": "bul", "ro": "ron",
    "ja": "jpn", "ko": "kor", "vi": "vie", "es": "spa", "it": "ita",
}  # fmt: skip


def search_config(language) -> str:
    """The text search configuration for words in this language (a `Language`, or None when not known)."""
    return _config_of((language.code if language is not None else "") or "en")


def _config_of(tag):
    return SEARCH_CONFIGS.get(tag.split("-")[0], "simple")


def max_file_size() -> int:
    return settings.CATALOGUE_MAX_FILE_SIZE


@dataclass(frozen=True)
class Inspection:
    media_type: str
    size: int
    sha256: str
    pages: int


def _refuse(message):
    raise ValidationError(message, code="unreadable")


def megabytes(size):
    return f"{size / 1_000_000:,.0f} MB"


@contextmanager
def _local_path(uploaded):
    """A path on disk holding the uploaded bytes: Django's own temporary file, or a copy of a small upload."""
    if hasattr(uploaded, "temporary_file_path"):
        yield uploaded.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        uploaded.seek(0)
        shutil.copyfileobj(uploaded, copy)
        copy.flush()
        yield copy.name


def inspect(uploaded) -> Inspection:
    """Check a file as it arrives and say what it is; a ValidationError says why it is refused."""
    size = uploaded.size
    if size > max_file_size():
        _refuse(f"“{uploaded.name}” is {megabytes(size)}; files may be at most {megabytes(max_file_size())}.")
    if size == 0:
        _refuse(f"“{uploaded.name}” is empty.")
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    with _local_path(uploaded) as path:
        if head.startswith(b"%PDF-"):
            media_type, pages = "application/pdf", _pdf_pages(path, uploaded.name)
        else:
            media_type, pages = _image_pages(path, uploaded.name)
    uploaded.seek(0)
    return Inspection(media_type, size, digest.hexdigest(), pages)


def _pdf_pages(path, name):
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        _refuse(f"“{name}” begins like a PDF but cannot be read as one (damaged, or protected by a password).")
    try:
        count = len(pdf)
        if count == 0:
            _refuse(f"“{name}” is a PDF with no pages.")
        if count > MAX_PAGES:
            _refuse(f"“{name}” has {count:,} pages; a file may have at most {MAX_PAGES:,}.")
        for number in range(count):
            width, height = pdf[number].get_size()
            scale = _pdf_scale(width)
            if width * scale * height * scale > MAX_PIXELS or height > 50 * width:
                _refuse(f"Page {number + 1} of “{name}” is too large to show ({width:.0f} × {height:.0f} points).")
        return count
    finally:
        pdf.close()


def _image_pages(path, name):
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind = _PILLOW_TYPES.get(image.format or "")
                if kind is None:
                    _refuse(f"“{name}” is a {image.format} image; send a PDF, or JPEG, PNG or TIFF images.")
                frames = getattr(image, "n_frames", 1)
                for frame in range(frames):
                    image.seek(frame)
                    if image.width * image.height > MAX_PIXELS:
                        raise Image.DecompressionBombError("too many pixels")
                image.seek(0)
                image.load()  # decoding the first page shows a truncated or damaged file
            return kind, frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(f"“{name}” would be more than {MAX_PIXELS:,} pixels once opened; it is refused as unsafe.")
    except UnidentifiedImageError:
        _refuse(f"“{name}” is neither a PDF nor a JPEG, PNG or TIFF image.")
    except (OSError, SyntaxError, ValueError) as error:
        _refuse(f"“{name}” looks like an image but cannot be read: {error}.")


def _pdf_scale(width_points):
    """The scale PDF pages are rendered at: 200 dpi, but never wider than the largest derivative."""
    return min(200 / 72, LARGEST / max(width_points, 1))


def label_of(name):
    """A file's label from its name: "scans/page_03 recto.tif" → "page 03 recto"."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return " ".join(stem.replace("_", " ").split())[:200]


def facts(inspection) -> dict:
    """A received file's fields as its inspection found them, waiting for the worker."""
    from .models import DocumentFile

    return {
        "media_type": inspection.media_type, "size": inspection.size, "sha256": inspection.sha256,
        "page_count": inspection.pages, "state": DocumentFile.State.QUEUED, "error": "", "uploaded": timezone.now(),
    }  # fmt: skip


def receive(document, uploaded, *, label="", order=1, inspection=None):
    """Keep an uploaded file (checked by `inspect` unless its `inspection` is given) as one of the document's
    files; its pages are made by the worker (`queue`) or at once (`make_derivatives`)."""
    from .models import DocumentFile

    inspection = inspection or inspect(uploaded)
    stored = DocumentFile(
        document=document, label=label, order=order, original_name=uploaded.name[-255:], **facts(inspection)
    )
    stored.file.save(uploaded.name.rsplit("/", 1)[-1], uploaded, save=False)
    stored.save()
    return stored


# Derivatives --------------------------------------------------------------------------------------------


def derivative_name(file_id, number, width):
    return f"derivatives/{file_id}/{number}/{width}.jpg"


def page_widths(full_width):
    """The widths a page of this width is offered at, smallest first."""
    return sorted({min(width, full_width) for width in WIDTHS})


def page_size(width, height, at):
    """The height of a page `width` × `height` shown `at` pixels wide."""
    return max(1, round(height * at / width))


def _pages(path, media_type):
    """(image, text layer or None) of every page of a stored original, one at a time."""
    if media_type == "application/pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(path)
        try:
            for page in pdf:
                image = page.render(scale=_pdf_scale(page.get_width()), may_draw_forms=True).to_pil()
                textpage = page.get_textpage()
                yield image.convert("RGB"), textpage.get_text_bounded()
                textpage.close()
                page.close()
        finally:
            pdf.close()
        return
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            yield ImageOps.exif_transpose(image).convert("RGB"), None


def ocr_available() -> bool:
    """Whether Tesseract is installed where the worker runs (Debian's tesseract-ocr)."""
    import pytesseract

    return shutil.which(pytesseract.pytesseract.tesseract_cmd) is not None


# What a file's state says when its pages were made but a scanned page's words could not be read.
NO_OCR = "Its pages are shown, but the words of scanned pages were not read: Tesseract is not installed."


def ocr_languages(language) -> str:
    """Tesseract's languages for a document in `language`: its own where the pack is installed, and English."""
    import pytesseract

    installed = set(pytesseract.get_languages(config=""))
    code = (language.code if language is not None else "") or ""
    wanted = [OCR_LANGUAGES.get(code) or OCR_LANGUAGES.get(code.split("-")[0], ""), "eng"]
    return "+".join(dict.fromkeys(pack for pack in wanted if pack and pack in installed)) or "eng"


def _for_ocr(image):
    """The page as OCR reads it: grey, at most OCR_WIDTH wide (a fifth of the rendered page's memory)."""
    from PIL import Image

    grey = image.convert("L")
    if grey.width > OCR_WIDTH:
        grey = grey.resize((OCR_WIDTH, page_size(grey.width, grey.height, OCR_WIDTH)), Image.LANCZOS)
    return grey


def _ocr(grey, languages):
    import pytesseract

    return pytesseract.image_to_string(grey, lang=languages, config="--psm 3")


def _save_image(image, name):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(buffer.getvalue()))


def make_derivatives(stored):
    """Render every page of a stored file at each width and read its words; record the pages and the outcome."""
    from PIL import Image

    from . import upkeep
    from .models import DocumentFile, FilePage

    DocumentFile.objects.filter(pk=stored.pk).update(state=DocumentFile.State.PROCESSING, error="")
    document = stored.document
    config = search_config(document.language)
    languages = ocr_languages(document.language) if ocr_available() else None
    rows, reading_now = [], deque()
    unread = False
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with tempfile.NamedTemporaryFile(suffix=EXTENSIONS.get(stored.media_type, "")) as copy:
        with default_storage.open(stored.file.name, "rb") as original:
            shutil.copyfileobj(original, copy)
        copy.flush()
        # OCR is the slow part: a page or two at a time, each Tesseract on one thread, while the next pages
        # render; a page waits its turn only as long as a few are ahead of it (a 300-page scan is never held
        # whole in memory).
        threads = settings.CATALOGUE_OCR_THREADS
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for number, (image, layer) in enumerate(_pages(copy.name, stored.media_type), start=1):
                width, height = image.size
                for at in page_widths(width):
                    resized = image if at == width else image.resize((at, page_size(width, height, at)), Image.LANCZOS)
                    _save_image(resized, derivative_name(stored.pk, number, at))
                largest = max(page_widths(width))
                row = FilePage(
                    file_id=stored.pk, number=number, width=largest, height=page_size(width, height, largest),
                    search_config=config,
                )  # fmt: skip
                rows.append(row)
                if layer and layer.strip():
                    row.text, row.text_source = layer.strip(), FilePage.Source.LAYER
                elif languages is None:
                    unread = True
                else:
                    reading_now.append((row, pool.submit(_ocr, _for_ocr(image), languages)))
                    while len(reading_now) > 2 * threads:
                        _read(*reading_now.popleft())
            while reading_now:
                _read(*reading_now.popleft())
    with transaction.atomic():
        FilePage.objects.filter(file_id=stored.pk).delete()
        FilePage.objects.bulk_create(rows)
        DocumentFile.objects.filter(pk=stored.pk).update(
            state=DocumentFile.State.READY, page_count=len(rows), processed=timezone.now(),
            error=NO_OCR if unread else "",
        )  # fmt: skip
        upkeep.reading_changed([document.pk])
    return len(rows)


def _read(row, future):
    from .models import FilePage

    row.text = future.result().strip()
    row.text_source = FilePage.Source.OCR if row.text else FilePage.Source.NONE


def stored_names(stored):
    """Every stored name of a file: the original and each image made of each of its pages."""
    pages = stored.pages.values_list("number", "width") if stored.pk else []
    return [stored.file.name] + [
        derivative_name(stored.pk, number, at) for number, width in pages for at in page_widths(width)
    ]


def remove_stored(names, file_id):
    """Delete a file's stored bytes (once the deleting transaction has committed)."""
    for name in filter(None, names):
        default_storage.delete(name)  # nothing to delete is no error, on disk or in an object store
    if hasattr(default_storage, "path"):
        try:
            shutil.rmtree(default_storage.path(f"derivatives/{file_id}"), ignore_errors=True)
        except NotImplementedError:
            pass


def describe_failure(error) -> str:
    """What the admin says of a file whose derivatives failed (the log has the whole trace)."""
    import pypdfium2

    if isinstance(error, pypdfium2.PdfiumError):
        return f"PDFium could not render it: {error}."
    if isinstance(error, OSError):
        return f"It could not be read or written: {error}."
    return f"{type(error).__name__}: {error}"


def queue(stored) -> None:
    """Have the worker make a file's derivatives once the transaction that received it commits."""
    from . import tasks

    stored_id = stored.pk
    transaction.on_commit(lambda: tasks.make_derivatives.enqueue(stored_id))


def queue_missing() -> int:
    """Queue the files whose page images are not all stored (after a restore from an older backup)."""
    from .models import DocumentFile

    missing = 0
    for stored in DocumentFile.objects.prefetch_related("pages"):
        pages = list(stored.pages.all())
        complete = pages and all(
            default_storage.exists(derivative_name(stored.pk, page.number, width))
            for page in pages
            for width in page_widths(page.width)
        )
        if not complete and stored.state != DocumentFile.State.FAILED:
            queue(stored)
            missing += 1
    return missing


def configs_in_use() -> list[str]:
    """The text search configurations the catalogue's languages call for (English's always): a query is read
    in each, so that words of every language's texts are found by their own stemming. Kept under the
    catalogue's version, read again when anything public changes."""
    from django.core.cache import cache

    from .models import CatalogueVersion, Language

    key = f"search-configs:{CatalogueVersion.current().token}"
    configs = cache.get(key)
    if configs is None:
        codes = Language.objects.exclude(code="").values_list("code", flat=True)
        configs = sorted({"catalogue", *map(_config_of, codes)})
        cache.set(key, configs, timeout=3600)
    return configs
