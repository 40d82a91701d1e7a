"""What an operator relies on: a JSON log line for every request and error, with the request's id; health
endpoints for the load balancer; metrics that only operators can read; no 500 for a dropped connection."""

import io
import json
import logging

import pytest
from django.db import connection
from django.urls import reverse

from catalogue.models import Document

pytestmark = pytest.mark.django_db


def test_a_server_error_is_logged_with_the_id_its_page_shows(client, sample, monkeypatch):
    from catalogue import views

    def broken(filterset):
        raise RuntimeError("a fault in the listing")

    monkeypatch.setattr(views, "describe", broken)
    handler = logging.getLogger("django.request").handlers[0]
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        client.raise_request_exception = False
        response = client.get(reverse("catalogue:document-list"))
    finally:
        handler.setStream(previous)
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    body = response.content.decode()
    assert request_id in body and 'href="/"' in body and "archive.css" in body
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == request_id
    assert "RuntimeError: a fault in the listing" in error["error"]


@pytest.fixture
def log_lines():
    """The JSON lines the site writes to its log during a test."""
    handler = logging.getLogger("catalogue").handlers[0]
    log = io.StringIO()
    previous = handler.setStream(log)
    yield lambda: [json.loads(line) for line in log.getvalue().splitlines()]
    handler.setStream(previous)


def test_every_request_is_one_json_line_with_its_id_status_and_timings(client, sample, log_lines):
    page = client.get("/documents/", {"person": "wang-ming"}, HTTP_X_REQUEST_ID="edge-5678efgh")
    missing = client.get("/documents/no-such-document/")
    first, second = [line for line in log_lines() if line["logger"] == "catalogue.access"]
    assert page.status_code == 200 and missing.status_code == 404
    assert first["request_id"] == "edge-5678efgh" and second["request_id"] == missing["X-Request-ID"]
    assert (first["method"], first["path"], first["status"]) == ("GET", "/documents/", 200)
    assert second["status"] == 404
    assert first["duration_ms"] > first["db_ms"] > 0 and first["db_queries"] > 0
    assert first["db"] == "default" and first["staff"] is False


def test_health_endpoints_say_alive_and_ready_and_what_is_not(client, sample, settings):
    assert client.get("/healthz").content == b"ok\n"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "checks": {"database": "ok", "cache": "ok"}}
    assert ready["Cache-Control"] == "no-store"
    # The cache gone (nothing listens on port 1): not ready, and the balancer sends readers elsewhere.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["ready"] is False and down.json()["checks"]["cache"].startswith("unavailable")


def test_metrics_are_for_operators_only(client, sample, settings):
    client.get("/documents/")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics["Cache-Control"] == "private, no-store"
    text = metrics.content.decode()
    assert 'catalogue_requests_total{method="GET",status="200",view="catalogue:document-list"}' in text
    assert 'catalogue_request_duration_seconds_bucket{le="0.1",view="catalogue:document-list"}' in text
    assert "catalogue_request_database_seconds_bucket" in text
    assert 'catalogue_request_reads_total{database="default"}' in text
    # From anywhere else, nothing is there; a scraper elsewhere presents the token.
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.CATALOGUE_METRICS_TOKEN = "scrape-token-for-tests"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    scraped = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")
    assert scraped.status_code == 200


def test_a_request_id_given_by_the_proxy_is_kept_and_a_forged_one_replaced(client, sample):
    kept = client.get("/", HTTP_X_REQUEST_ID="edge-1234abcd")
    assert kept["X-Request-ID"] == "edge-1234abcd"
    replaced = client.get("/", HTTP_X_REQUEST_ID="<script>")
    assert replaced["X-Request-ID"] != "<script>" and len(replaced["X-Request-ID"]) == 32


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only a database server drops connections")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_is_replaced_before_it_is_used(monkeypatch):
    import psycopg

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    connection.close()
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(dbname=params["dbname"], user=params.get("user"), host=params.get("host"),
                         port=params.get("port"), autocommit=True) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    # What Django does as each request starts: a kept connection is checked before its first query.
    connection.close_if_unusable_or_obsolete()
    assert Document.objects.count() == 0
    assert connection.connection.info.backend_pid != backend
