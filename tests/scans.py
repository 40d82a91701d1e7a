"""Files for the tests: PDFs with and without a text layer, page images, and files that must be refused."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from catalogue.specimen import text_pdf  # noqa: F401  (the tests' PDFs with a text layer)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def page_image(lines, size=(1275, 1650)):
    """A page as a scanner gives it: black words on white, no text layer."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    for number, line in enumerate(lines):
        draw.text((110, 150 + number * 70), line, fill=0, font=font)
    return image


def scanned_pdf(pages):
    """A PDF of page images only: its words can be found by OCR alone."""
    images = [page_image(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


def image_bytes(lines, format="PNG", size=(1275, 1650)):
    out = io.BytesIO()
    page_image(lines, size).save(out, format)
    return out.getvalue()


def bomb_png(width=30_000, height=30_000):
    """A small PNG that would be 900 million pixels once opened."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = zlib.compress(row * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def attach(document, data, name="scan.pdf", label="Original scan", order=1):
    """A file received and its pages made, as the admin and the worker do it."""
    from catalogue import reading, tasks

    stored = reading.receive(document, SimpleUploadedFile(name, data), label=label, order=order)
    tasks.make_derivatives.call(stored.pk)
    stored.refresh_from_db()
    return stored
