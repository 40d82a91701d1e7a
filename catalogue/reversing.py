"""Addresses reversed once per URL configuration, language and script prefix rather than once per link.

A listing links ten documents and a hundred entities; Django's `reverse` matches its patterns anew for each
(~0.1 ms a call with a slug, most of a listing's address-making). The address up to the slug and after it is
worked out once for the URL configuration, language and script prefix in use, and each slug put between;
an address that takes no arguments (an export, a feed) is kept whole, and a path's address in another
language (every page's `hreflang` links) for the paths a process serves most.
"""

import functools
from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

_SLUG = "__slug__"
# What `reverse` leaves unquoted in a path.
_SAFE = RFC3986_SUBDELIMS + "/~:@"


def _known(name: str) -> dict:
    """A dict kept on the URL resolver in use, so that a new URL configuration (a test's, a reload) starts afresh."""
    return get_resolver(get_urlconf()).__dict__.setdefault(name, {})


def fixed_url(viewname: str) -> str:
    """The same as `reverse(viewname)`, for a view whose address takes no arguments."""
    known: dict[tuple[str, str | None, str], str] = _known("_fixed_urls")
    key = (viewname, get_language(), get_script_prefix())
    url = known.get(key)
    if url is None:
        url = known[key] = reverse(viewname)
    return url


def slug_url(viewname: str, slug: str) -> str:
    """The same as `reverse(viewname, kwargs={"slug": slug})`, for a view whose address takes any slug."""
    known: dict[tuple[str, str | None, str], tuple[str, str]] = _known("_slug_urls")
    key = (viewname, get_language(), get_script_prefix())
    parts = known.get(key)
    if parts is None:
        before, _, after = reverse(viewname, kwargs={"slug": _SLUG}).partition(_SLUG)
        parts = known[key] = (before, after)
    return parts[0] + quote(slug, safe=_SAFE) + parts[1]


def translated_path(path: str, code: str) -> str:
    """The same as `translate_url(path, code)` for a path without a query."""
    return _translated(get_resolver(get_urlconf()), get_script_prefix(), get_language(), path, code)


@functools.lru_cache(maxsize=4096)
def _translated(resolver, script_prefix: str, language: str | None, path: str, code: str) -> str:
    # A path is read in the language active (its prefix says which), then resolved and reversed in `code`.
    return translate_url(path, code)
