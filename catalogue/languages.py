"""The interface's languages: English without a prefix, the others under /ru/ and /zh-hans/.

A reader picks one with the switcher (`choose`), which remembers it in Django's language cookie; every
public page has its address in each language (`alternates`, for the switcher and hreflang links). The
admin speaks the chosen language too, where Django translates it; catalogue data is never translated.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .reversing import translated_path

NAMES = dict(settings.LANGUAGES)
# A year: the choice is the reader's until they make another.
COOKIE_AGE = 365 * 24 * 3600


def supported(code):
    return code in NAMES


def choose(request):
    """`/language/?language=ru&next=/documents/`: remember the language and show `next` in it."""
    code = request.GET.get("language", "")
    if not supported(code):
        choices = ", ".join(NAMES)
        return HttpResponseBadRequest(f"Choose one of the languages {choices}.", content_type="text/plain")
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):  # fmt: skip
        target = "/"
    # `next` is read in its own language (its prefix says which), then written in the chosen one.
    with translation.override(translation.get_language_from_path(target) or settings.LANGUAGE_CODE):
        response = HttpResponseRedirect(translate_url(target, code))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=COOKIE_AGE, samesite="Lax",
                        secure=request.is_secure())  # fmt: skip
    add_never_cache_headers(response)
    return response


class LanguageMiddleware:
    """After Django's LocaleMiddleware, which makes every unprefixed address English: the admin speaks the
    language the reader chose (or their browser asks for), and a reader who chose a language and comes back
    to the home page is taken to it in that language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/admin/"):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            return self.get_response(request)
        if path != "/" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen != settings.LANGUAGE_CODE and supported(chosen):
            query = request.META.get("QUERY_STRING", "")
            response = HttpResponseRedirect(translate_url("/", chosen) + (f"?{query}" if query else ""))
        else:
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response


def alternates(request):
    """The page's address in every interface language: [(code, name, path, absolute URL)], and its own."""
    match = getattr(request, "resolver_match", None)
    if match is None or request.path_info.startswith(("/admin/", "/api/v1/")):
        return {}
    here, _, query = request.get_full_path().partition("?")
    links = []
    for code, name in settings.LANGUAGES:
        # As `translate_url(full path, code)`, whose query it would carry over unchanged.
        path = translated_path(here, code) + (f"?{query}" if query else "")
        links.append({"code": code, "name": name, "path": path, "url": request.build_absolute_uri(path)})
    return {"languages": links, "language_default_url": links[0]["url"]}
