"""Sending stored files: publication checked first, then the bytes with validators and byte ranges.

Originals, page images and texts of the scans go out through here, never straight from the store: a file
of an unpublished document is a 404 to everyone but curators. Answers carry Content-Type, Content-Length,
ETag and Last-Modified (a 304 when the reader's copy is current) and honour a single HTTP byte range (PDF
viewers read a large file a range at a time). With `CATALOGUE_FILES_ACCEL` set, the front web server sends
the bytes after the check (nginx's X-Accel-Redirect, or X-Sendfile).
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 64 * 1024


def content_disposition(filename, attachment=False):
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return f"{'attachment' if attachment else 'inline'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _wanted_range(request, size, etag, modified):
    """(start, end) inclusive of one byte range the reader asks for; None for the whole file; False when
    the range cannot be satisfied."""
    header = request.headers.get("Range", "")
    if not header or request.method not in {"GET", "HEAD"}:
        return None
    if_range = request.headers.get("If-Range")
    if if_range:
        # A range of a copy the reader has: only while it is still this one; otherwise the whole file.
        unchanged = if_range == etag if if_range.startswith('"') else parse_http_date_safe(if_range) == modified
        if not unchanged:
            return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # several ranges, or another unit: the whole file answers them all
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _ranged(name, start, end):
    with default_storage.open(name, "rb") as stream:
        stream.seek(start)
        left = end - start + 1
        while left > 0:
            block = stream.read(min(BLOCK, left))
            if not block:
                break
            left -= len(block)
            yield block


def send(request, name, *, media_type, etag, modified, filename, attachment=False, public=True, size=None):
    """The stored file `name` as an answer to `request` (publication already checked by the caller).

    `etag` is quoted; `modified` a datetime. `public` answers may be kept by browsers and proxies.
    """
    timestamp = int(modified.timestamp())
    headers = {"ETag": etag, "Last-Modified": http_date(timestamp), "Accept-Ranges": "bytes"}
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        return finish(not_modified, headers, public)
    size = default_storage.size(name) if size is None else size
    wanted = _wanted_range(request, size, etag, timestamp)
    headers["Content-Disposition"] = content_disposition(filename, attachment)
    if wanted is False:
        response = HttpResponse(status=416, content_type="text/plain; charset=utf-8")
        response.content = b"That byte range is not in the file."
        headers["Content-Range"] = f"bytes */{size}"
        return finish(response, headers, public)
    accel = settings.CATALOGUE_FILES_ACCEL
    if accel:  # the front server reads the Range header itself
        handed = _hand_over(accel, name)
        if handed is not None:
            handed["Content-Type"] = media_type
            return finish(handed, headers, public)
    if wanted is None:
        response = FileResponse(default_storage.open(name, "rb"), content_type=media_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_ranged(name, start, end), status=206, content_type=media_type)
        response["Content-Length"] = str(end - start + 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return finish(response, headers, public)


def _hand_over(accel, name):
    """An empty answer telling the front server which file to send (None when the storage has no paths)."""
    if accel == "nginx":
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.CATALOGUE_FILES_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
        return response
    if accel == "sendfile":
        try:
            path = default_storage.path(name)
        except NotImplementedError:
            return None
        response = HttpResponse()
        response["X-Sendfile"] = path
        return response
    return None


def finish(response, headers, public):
    """`headers` set on the answer, and who may keep it: browsers and proxies when `public`, nobody when not
    (and no search engine may index it)."""
    for header, value in headers.items():
        response[header] = value
    if public:
        patch_cache_control(response, public=True, max_age=settings.CATALOGUE_PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response
