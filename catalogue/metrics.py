"""Metrics for operators, in Prometheus's format at /metrics (the official client, prometheus-client): requests
by view, method and status, their durations and database time, and where public reads went. Not public:
only addresses in CATALOGUE_METRICS_ALLOWED_NETWORKS, or a scraper that presents CATALOGUE_METRICS_TOKEN,
are answered; anyone else gets a 404.

Under gunicorn each process counts for itself; with PROMETHEUS_MULTIPROC_DIR set (`make cluster` sets it),
the processes share their counts through files there and /metrics sums them.
"""

import hmac
import os
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .clients import client_address

REQUESTS = Counter("catalogue_requests", "Requests answered, by view, method and status.", ["view", "method", "status"])
DURATION = Histogram(
    "catalogue_request_duration_seconds",
    "Time to answer a request (to the first byte of a streamed one), by view.",
    ["view"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DATABASE = Histogram(
    "catalogue_request_database_seconds",
    "Time a request spent waiting on its databases.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
READS = Counter("catalogue_request_reads", "Requests by the database their reads went to.", ["database"])


# Labels take few values: a view's name (never the raw path), a known method, a status.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe(request, fields):
    """Counts one answered request (the fields of its log line)."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before its view was found: a page from the cache, a 304
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    view = match.view_name if match else "unmatched"
    method = fields["method"] if fields["method"] in METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(fields["status"])).inc()
    DURATION.labels(view=view).observe(fields["duration_ms"] / 1000)
    DATABASE.observe(fields["db_ms"] / 1000)
    READS.labels(database=fields["db"]).inc()


def _allowed(request):
    token = settings.CATALOGUE_METRICS_TOKEN
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = client_address(request)
    if address is None:
        return False
    return any(ip_address(address) in ip_network(network) for network in settings.CATALOGUE_METRICS_ALLOWED_NETWORKS)


def metrics(request):
    if not _allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "private, no-store"
    return response
