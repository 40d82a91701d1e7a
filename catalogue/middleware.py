"""Every request gets an id that its log lines and error pages carry; a database that is down is a 503."""

import logging
import re
import uuid
from contextvars import ContextVar

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from .text import CONTROL_CHARACTERS

_request_id = ContextVar("request_id", default="-")
# An id a proxy in front already gave the request is kept if it looks like one.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

logger = logging.getLogger("catalogue.requests")


def current_request_id():
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, "-" outside a request."""

    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("x-request-id", "")
        request.id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class DatabaseUnavailableMiddleware:
    """The database unreachable is the service unavailable for a while, not a fault in the page: 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable: %s", exception, exc_info=exception)
        body = render_to_string("503.html", {"request_id": getattr(request, "id", "")})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        return response


def server_error(request):
    """The 500 page: styled like the site, a way back, and the id that finds the error in the log."""
    body = render_to_string("500.html", {"request_id": getattr(request, "id", current_request_id())})
    return HttpResponse(body, status=500)


class ControlCharacterFilter:
    """Text that reached the database before the doors refused control characters (an old backup, a fix
    made in SQL) is still never written into a page: they are dropped from every HTML page on its way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        text = response.content.decode(response.charset)
        cleaned = CONTROL_CHARACTERS.sub("", text)
        if cleaned != text:
            response.content = cleaned.encode(response.charset)
        return response
