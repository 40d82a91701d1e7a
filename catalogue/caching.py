"""The shared cache of public pages, and the headers that let browsers and proxies keep them too."""

import hashlib
import time
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import frontcache
from .models import CatalogueVersion

# How long a reader waits for a page another is rendering before rendering it too.
RENDER_SECONDS = 10


def validators(request):
    """(ETag, Last-Modified, digest) of what an anonymous reader is answered at this address now.

    Public answers are a function of the catalogue version, the day (citations name it) and the full URL
    with its host, so the three make the validator, and the version's time is when anything public last
    changed. Pages and the API revalidate by it, without rendering anything first.
    """
    version = CatalogueVersion.current()
    place = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(f"{version.token}|{date.today()}|{place}".encode(), digest_size=16).hexdigest()
    return f'"{digest}"', version.changed, digest


def unchanged(request, etag, modified):
    """A 304 when the reader's copy is still current, else None."""
    return get_conditional_response(request, etag=etag, last_modified=int(modified.timestamp()))


def mark_public(response, etag, modified, **cache_control):
    """The validators, and `Cache-Control: public` with `cache_control` (max_age=..., ...)."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    patch_cache_control(response, public=True, **cache_control)
    return response


def keep(key, response):
    """A complete answer kept in the shared cache under `key` (whose digest names the catalogue version)."""
    headers = [(name, value) for name, value in response.items() if name.lower() != "x-request-id"]
    cache.set(key, (response.status_code, headers, response.content), timeout=settings.CATALOGUE_PAGE_CACHE_SECONDS)


def for_front_caches(response, modified):
    """The answer marked for the front caches (`frontcache`), if there are any and the catalogue is still at
    the version it was made under (whose time is `modified`): one made across a change may show what was
    before it, and the ban that followed the change may already have been sent."""
    if frontcache.enabled() and CatalogueVersion.current().changed == modified:
        frontcache.mark(response)
    return response


def kept_response(kept):
    status, headers, content = kept
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PublicPageCache:
    """Public pages for anonymous readers: served from the shared cache, revalidated by ETag and
    Last-Modified, and marked cacheable by browsers and proxies; staff always get a fresh, private page.

    A page is kept under the catalogue version (`CatalogueVersion`, changed in the same transaction as
    anything public), the day (citations name it) and the full URL with its host; so a change is seen at
    once everywhere, and nothing from before it is served again. Only complete 200 pages that set no
    cookie are kept (and marked for the front caches, `frontcache`); a large export is streamed, so it is
    revalidated but not kept.
    """

    # Files and page images carry validators of their own (their checksums) and answer byte ranges.
    EXCLUDED = ("/admin/", "/api/", "/static/", "/files/", "/iiif/", "/robots.txt", "/healthz", "/readyz", "/metrics")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.EXCLUDED) or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        if request.user.is_authenticated:
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_store=True)
            return response
        etag, modified, digest = validators(request)
        current = unchanged(request, etag, modified)
        if current is not None:
            return self._public(current, etag, modified)
        key = f"page:{digest}"
        kept = cache.get(key) if request.method == "GET" else None
        if kept is not None:
            return self._public(for_front_caches(kept_response(kept), modified), etag, modified)
        # One reader renders a page that is not kept yet; others asking for it meanwhile wait for that one
        # (a popular page after a change, or a slow one, is not rendered by every reader at once).
        rendering = request.method == "GET" and cache.add(f"{key}:rendering", 1, timeout=RENDER_SECONDS)
        if request.method == "GET" and not rendering:
            kept = self._wait_for(key)
            if kept is not None:
                return self._public(for_front_caches(kept_response(kept), modified), etag, modified)
        try:
            response = self.get_response(request)
            if response.status_code not in {200, 304}:
                return response
            complete = response.status_code == 200 and not response.streaming and not response.cookies
            if request.method == "GET" and complete:
                keep(key, response)
                for_front_caches(response, modified)
        finally:
            if rendering:
                cache.delete(f"{key}:rendering")
        return self._public(response, etag, modified)

    @staticmethod
    def _wait_for(key):
        """The page another request is rendering, once it is kept; None if it is not within RENDER_SECONDS
        (or is not kept at all: a page that is not a complete 200), and this request renders it itself."""
        deadline = time.monotonic() + RENDER_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            kept = cache.get(key)
            if kept is not None:
                return kept
            if cache.get(f"{key}:rendering") is None:
                return None
        return None

    def _public(self, response, etag, modified):
        return mark_public(
            response,
            etag,
            modified,
            max_age=settings.CATALOGUE_PUBLIC_MAX_AGE,
            stale_while_revalidate=settings.CATALOGUE_PUBLIC_STALE_SECONDS,
        )
