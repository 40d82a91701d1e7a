"""The site on several machines, on loopback (`deploy/cluster`): HAProxy from Debian's packages in front of
two gunicorn app servers, the task worker, Redis, the PostgreSQL primary and its streaming replica.

Readers keep asking while one app server stops and then the replica stops: no request fails and every
page stays right. Runs beside the replica tests (it stops the replica), on PostgreSQL.
"""

import http.client
import json
import os
import subprocess
import threading
import time
from itertools import count

import pytest
from django.db import connection

from .helpers import ROOT, require_replica

require_replica("haproxy", "redis-cli")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("replica")]

PORT = 18100
CLUSTER = ROOT / "deploy" / "cluster"


@pytest.fixture
def cluster(sample, tmp_path):
    """The cluster serving this test's database (committed: the sample), and its environment."""
    database = connection.settings_dict
    server = f"postgres://{database['USER']}@{database['HOST']}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}:{database['PORT']}/{database['NAME']}",
        "DATABASE_REPLICA_URLS": f"{server}:5433/{database['NAME']}",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "CLUSTER_PORT": str(PORT),
        "CLUSTER_STATE": str(tmp_path / "cluster"),
        "CLUSTER_PREPARE": "0",  # the test database is migrated and holds the sample
        "WEB_CONCURRENCY": "1",
        "CATALOGUE_REPLICA_CHECK_SECONDS": "0.5",
        "DJANGO_SETTINGS_MODULE": "archive.settings",  # the production settings, not the tests'
        "DJANGO_SECRET_KEY": "cluster-test-only",
        "DJANGO_COLLECTED_STATIC": "false",
    }
    subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
    subprocess.run([CLUSTER, "start"], env=env, check=True, capture_output=True, timeout=180)
    try:
        yield tmp_path / "cluster"
    finally:
        subprocess.run([CLUSTER, "stop"], env=env, capture_output=True, timeout=60)
        subprocess.run([ROOT / "deploy" / "replica", "start"], check=True, capture_output=True, timeout=180)


# What a reader asks, and what the answer must hold. Each request carries a number of its own, so that it
# misses the page cache and is read from a database.
PAGES = [
    ("/documents/?person=wang-ming&place=soviet-union&n={}", "1 - 10 of 14"),
    ("/people/wang-ming/?n={}", "<h1>Wang Ming</h1>"),
    ("/api/v1/documents/?person=wang-ming&place=soviet-union&n={}", '"total":{"value":14,"exact":true}'),
    ("/documents/export.csv?person=wang-ming&place=soviet-union&n={}", "Wang Ming"),
]


def readers(stop, answers, number=3):
    """Readers asking for the pages in turn until `stop` is set, each on a kept-alive connection."""
    numbers = count()

    def read():
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while not stop.is_set():
            for path, expected in PAGES:
                asked = time.monotonic()
                try:
                    connection.request("GET", path.format(next(numbers)))
                    response = connection.getresponse()
                    body = response.read().decode()
                    answers.append((asked, path, response.status, response.getheader("X-Served-By"), expected in body))
                except (OSError, http.client.HTTPException) as error:
                    answers.append((asked, path, repr(error), None, False))
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    threads = [threading.Thread(target=read) for _ in range(number)]
    for thread in threads:
        thread.start()
    return threads


def test_an_app_server_and_then_the_replica_stopping_cost_readers_nothing(cluster):
    answers, stop = [], threading.Event()
    threads = readers(stop, answers)
    try:
        time.sleep(2)
        app_stopped = time.monotonic()
        subprocess.run([CLUSTER, "stop-app", "1"], env={**os.environ, "CLUSTER_STATE": str(cluster)}, check=True)
        time.sleep(3)
        replica_stopped = time.monotonic()
        subprocess.run([ROOT / "deploy" / "replica", "stop"], check=True, capture_output=True, timeout=60)
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    failed = [answer for answer in answers if answer[2] != 200 or not answer[4]]
    assert failed == [], f"{len(failed)} of {len(answers)} requests failed or were wrong: {failed[:5]}"
    assert len(answers) > 100
    before = {answer[3] for answer in answers if answer[0] < app_stopped}
    # A second after its stop, the balancer sends nothing more to the stopped server.
    after = {answer[3] for answer in answers if answer[0] > app_stopped + 1}
    assert before == {"app1", "app2"} and after == {"app2"}
    assert [answer for answer in answers if answer[0] > replica_stopped + 1], (
        "readers went on after the replica stopped"
    )

    # The remaining server read from the replica while it ran, and from the primary once it stopped.
    lines = [json.loads(line) for line in (cluster / "app2.log").read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "catalogue.access"]
    assert {line["db"] for line in requests[: len(requests) // 4]} == {"replica1"}
    assert {line["db"] for line in requests[-10:]} == {"default"}
