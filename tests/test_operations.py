"""What an operator relies on: errors logged with the request's id, and no 500 for a dropped connection."""

import io
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
    written = log.getvalue()
    assert f"ERROR django.request request={request_id}" in written
    assert "RuntimeError: a fault in the listing" in written


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
