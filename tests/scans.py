"""Files for the tests: PDFs with and without a text layer, page images, and files that must be refused."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def text_pdf(pages):
    """A PDF whose pages carry these lines as real text (a text layer), in Helvetica."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 20 Tf", "72 720 Td", "24 TL"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream")
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


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
    from catalogue.models import DocumentFile

    uploaded = SimpleUploadedFile(name, data, "application/octet-stream")
    inspection = reading.inspect(uploaded)
    stored = DocumentFile(
        document=document, label=label, order=order, original_name=name, media_type=inspection.media_type,
        size=inspection.size, sha256=inspection.sha256, page_count=inspection.pages,
    )  # fmt: skip
    stored.file.save(name, uploaded, save=False)
    stored.save()
    tasks.make_derivatives.call(stored.pk)
    stored.refresh_from_db()
    return stored
