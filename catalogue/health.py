"""Health endpoints for a load balancer and a process manager: `/healthz` says the process answers (it
touches nothing else), `/readyz` that it can serve pages: the primary database and the cache answer. A
replica that is down leaves the site ready (its reads fall back to the primary); it is reported."""

import json

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from . import replicas


def _plain(body, status=200, content_type="text/plain; charset=utf-8"):
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def alive(request):
    return _plain("ok\n")


@require_safe
def ready(request):
    checks = {}
    try:
        with connections[replicas.PRIMARY].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as error:
        checks["database"] = f"unavailable: {error.__class__.__name__}"
    try:
        cache.set("readyz", "ok", timeout=10)
        checks["cache"] = "ok" if cache.get("readyz") == "ok" else "unavailable: nothing read back"
    except Exception as error:  # any cache backend's own errors (connection refused, timeouts)
        checks["cache"] = f"unavailable: {error.__class__.__name__}"
    for alias in settings.CATALOGUE_READ_REPLICAS:
        checks[alias] = "ok" if replicas.health.fit(alias) else "skipped: down or behind (reads go to the primary)"
    ready = checks["database"] == "ok" and checks["cache"] == "ok"
    body = json.dumps({"ready": ready, "checks": checks}, indent=1) + "\n"
    return _plain(body, status=200 if ready else 503, content_type="application/json")
