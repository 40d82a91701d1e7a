"""Public reads from a real PostgreSQL streaming replica (`deploy/replica`, started by `.ci/run`).

They run where DATABASE_REPLICA_URLS names the replica (CI's PostgreSQL run); CATALOGUE_REQUIRE_REPLICA makes
its absence a failure. The tests commit (a replica sees only committed data), pause and stop the replica,
so they never run at once with each other or the cluster tests (`helpers.one_at_a_time`).
"""

import subprocess
import time

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from catalogue import replicas
from catalogue.models import Document

from .factories import DocumentFactory, UserFactory
from .helpers import ROOT, one_at_a_time, require_replica, result_titles

REPLICA = "replica1"


require_replica()

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
    pytest.mark.xdist_group("replica"),
]
replica_tests_one_at_a_time = one_at_a_time("replica")


@pytest.fixture
def replica(sample):
    """Public reads routed to the replica, checked afresh, once it has replayed everything committed."""
    answering()  # running and answering, whatever the test before it did to it
    replicas.health.forget()
    # Caught up is checked here by WAL position: while the other test process writes to the primary, the
    # replica's lag by the time of its last replayed commit can read seconds when it is not behind at all
    # (the test of lag sets its own limit).
    with override_settings(
        CATALOGUE_READ_REPLICAS=[REPLICA], CATALOGUE_REPLICA_CHECK_SECONDS=60, CATALOGUE_REPLICA_MAX_LAG_SECONDS=600
    ):
        caught_up()
        yield connections[REPLICA]
    replicas.health.forget()
    for alias in (REPLICA,):
        connections[alias].close()


def answering(timeout=120.0):
    """Starts the replica if it is not running, and waits until it answers (a replica that was just stopped,
    or is replaying what it missed, refuses connections for a while)."""
    deadline = time.monotonic() + timeout
    while True:
        replica_server("start")
        connections[REPLICA].close()
        try:
            connections[REPLICA].ensure_connection()
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def caught_up(timeout=60.0):
    """Waits until the replica has replayed all the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the replica did not catch up")


def replay(paused):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def replica_server(action):
    subprocess.run([ROOT / "deploy" / "replica", action], check=True, capture_output=True, timeout=180)


def test_an_anonymous_reader_is_answered_from_the_replica_alone(client, replica):
    address = Document.objects.published().first().get_absolute_url()
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as read:
        listing = client.get("/documents/", {"person": "wang-ming"})
        document = client.get(address)
    assert listing.status_code == 200 and document.status_code == 200
    assert len(result_titles(listing)) == 10
    assert read.captured_queries, "nothing was read from the replica"
    assert primary.captured_queries == []


def test_staff_and_forms_use_the_primary(client, replica):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    with CaptureQueriesContext(replica) as read:
        assert client.get("/documents/").status_code == 200
        assert client.get("/admin/catalogue/document/").status_code == 200
    assert read.captured_queries == []


def test_a_replica_behind_by_more_than_the_setting_is_skipped_until_it_catches_up(client, replica):
    replay(paused=True)
    try:
        newer = DocumentFactory(published=True, title="Telegram read before the replica has it")
        time.sleep(0.6)
        with override_settings(CATALOGUE_REPLICA_MAX_LAG_SECONDS=0.3, CATALOGUE_REPLICA_CHECK_SECONDS=0):
            with CaptureQueriesContext(replica) as read:
                page = client.get(newer.get_absolute_url())
            assert page.status_code == 200, "the new document must be read from the primary"
            assert newer.title in page.content.decode()
            assert not [query for query in read.captured_queries if "catalogue_" in query["sql"]]
    finally:
        replay(paused=False)
    caught_up()
    replicas.health.forget()
    with CaptureQueriesContext(replica) as read:
        assert client.get(newer.get_absolute_url(), {"again": 1}).status_code == 200
    assert read.captured_queries, "a replica that has caught up is read again"


def test_a_replica_that_stops_costs_no_reader_a_failed_page(replica):
    # As a server would answer: a failure is a page, not an exception raised into the test.
    client = Client(raise_request_exception=False)
    # The replica was found well and is trusted for a minute; it stops under the next requests.
    assert replicas.choose_replica() == REPLICA
    replica.close()
    replica_server("stop")
    try:
        pages = [client.get("/documents/", {"person": "wang-ming", "page": page}) for page in (1, 2)]
        document = client.get(Document.objects.published().first().get_absolute_url())
        assert [page.status_code for page in pages] == [200, 200]
        assert len(result_titles(pages[0])) == 10 and len(result_titles(pages[1])) == 4
        assert document.status_code == 200
        assert replicas.choose_replica() is None
    finally:
        replica_server("start")
    replicas.health.forget()
    caught_up()
    assert replicas.choose_replica() == REPLICA
