"""Every request gets an id that its log lines and error pages carry, and one JSON line in the log; a
database that is down is a 503."""

import json
import logging
import re
import sys
import time
import traceback
import uuid
from contextlib import ExitStack
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string

from .text import CONTROL_BYTES, CONTROL_CHARACTERS

_request_id = ContextVar("request_id", default="-")
# An id a proxy in front already gave the request is kept if it looks like one.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

logger = logging.getLogger("catalogue.requests")
access_log = logging.getLogger("catalogue.access")
# The load balancer asks these every few seconds: they are not written to the log.
QUIET = frozenset({"/healthz", "/readyz"})


def current_request_id():
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, "-" outside a request."""

    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class JsonLines(logging.Formatter):
    """Each log record as one line of JSON: time, level, logger, request id, message, the record's `fields`
    (a request's status, timings...) and, for an error, its traceback."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", _request_id.get()),
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class _DatabaseTime:
    """The time a request spends waiting on its databases, and how many statements it sends."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class RequestIdMiddleware:
    """Outermost: gives the request its id, times it and its database work, and writes its log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("x-request-id", "")
        request.id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        started = time.perf_counter()
        database = _DatabaseTime()
        try:
            with ExitStack() as watching:
                for connection in connections.all():
                    watching.enter_context(connection.execute_wrapper(database))
                response = self.get_response(request)
            response["X-Request-ID"] = request.id
            if settings.CATALOGUE_ACCESS_LOG and request.path not in QUIET:
                self.log(request, response, time.perf_counter() - started, database)
        finally:
            _request_id.reset(token)
        return response

    @staticmethod
    def log(request, response, seconds, database):
        from .clients import client_address
        from .metrics import observe

        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "db_ms": round(database.seconds * 1000, 2),
            "db_queries": database.queries,
            "db": getattr(request, "read_from", "default"),
            "client": client_address(request),
            "staff": bool(getattr(request, "user", None) and request.user.is_authenticated),
        }
        if response.streaming:
            fields["streamed"] = True  # the time is to the first byte; the body is read as it is sent
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={"fields": fields})
        observe(request, fields)


def database_unavailable(request, exception):
    """The database unreachable is the service unavailable for a while, not a fault in the page: a 503."""
    logger.error("Database unavailable: %s", exception, exc_info=exception)
    body = render_to_string("503.html", {"request_id": getattr(request, "id", current_request_id())})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    # A request read from a replica is asked again of the primary (`replicas.ReadReplicaMiddleware`).
    response.database_unavailable = True
    return response


class DatabaseUnavailableMiddleware:
    """A view that finds the database unreachable answers 503 (`server_error` does the same for
    failures before the view, in middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


def server_error(request):
    """The 500 page: styled like the site, a way back, and the id that finds the error in the log; a 503
    when what failed was reaching the database."""
    exception = sys.exception()
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
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
        if response.charset.lower() in {"utf-8", "utf8"} and not CONTROL_BYTES.search(response.content):
            return response  # looked for in the bytes: most pages hold none, and need no decoding
        text = response.content.decode(response.charset)
        cleaned = CONTROL_CHARACTERS.sub("", text)
        if cleaned != text:
            response.content = cleaned.encode(response.charset)
        return response
