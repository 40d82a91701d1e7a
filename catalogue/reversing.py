"""The address of a record by its slug, reversed once per page kind and language rather than once per record.

A listing links ten documents and a hundred entities; Django's `reverse` matches its patterns anew for each
(~0.1 ms a call with a slug, most of a listing's address-making). The address up to the slug and after it is
worked out once for the URL configuration, language and script prefix in use, and each slug put between.
"""

from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

_SLUG = "__slug__"
# What `reverse` leaves unquoted in a path.
_SAFE = RFC3986_SUBDELIMS + "/~:@"


def slug_url(viewname: str, slug: str) -> str:
    """The same as `reverse(viewname, kwargs={"slug": slug})`, for a view whose address takes any slug."""
    resolver = get_resolver(get_urlconf())
    # Kept on the resolver, so that a new URL configuration (a test's, a reload) starts afresh.
    known: dict[tuple[str, str | None, str], tuple[str, str]] = resolver.__dict__.setdefault("_slug_urls", {})
    key = (viewname, get_language(), get_script_prefix())
    parts = known.get(key)
    if parts is None:
        before, _, after = reverse(viewname, kwargs={"slug": _SLUG}).partition(_SLUG)
        parts = known[key] = (before, after)
    return parts[0] + quote(slug, safe=_SAFE) + parts[1]
