"""The site on several machines, on loopback (`deploy/cluster`): HAProxy from Debian's packages in front of
the front cache (Varnish, also Debian's) and two gunicorn app servers, the task worker, Redis, the PostgreSQL
primary and its streaming replica.

Readers keep asking while the front cache stops, then one app server, then the replica: no request fails and
every page stays right. The front cache serves what it holds without an app server, and a change made in the
admin is seen through it at once. Runs beside the replica tests (it stops the replica), on PostgreSQL.
"""

import http.client
import json
import os
import subprocess
import threading
import time
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.db import connection

from .helpers import ROOT, one_at_a_time, require_replica

require_replica("haproxy", "varnishd", "redis-cli")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("replica")]
replica_tests_one_at_a_time = one_at_a_time("replica")

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
                    served_by = response.getheader("X-Served-By")
                    through = response.getheader("X-Front-Cache")
                    answers.append((asked, path, response.status, served_by, expected in body, through))
                except (OSError, http.client.HTTPException) as error:
                    answers.append((asked, path, repr(error), None, False, None))
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    threads = [threading.Thread(target=read) for _ in range(number)]
    for thread in threads:
        thread.start()
    return threads


def test_the_front_cache_then_an_app_server_then_the_replica_stopping_cost_readers_nothing(cluster):
    answers, stop = [], threading.Event()
    threads = readers(stop, answers)
    try:
        time.sleep(2)
        cache_stopped = time.monotonic()
        subprocess.run([CLUSTER, "stop-cache"], env={**os.environ, "CLUSTER_STATE": str(cluster)}, check=True)
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
    # Through the front cache until it stopped (a request in its hands then is answered by an app server
    # directly); then straight to the app servers.
    assert {answer[5] for answer in answers if answer[0] < cache_stopped - 0.5} == {"miss"}
    assert {answer[5] for answer in answers if answer[0] > cache_stopped + 1} == {None}
    assert [answer for answer in answers if answer[0] > replica_stopped + 1], (
        "readers went on after the replica stopped"
    )

    # The remaining server read from the replica while it ran, and from the primary once it stopped.
    lines = [json.loads(line) for line in (cluster / "app2.log").read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "catalogue.access"]
    assert {line["db"] for line in requests[: len(requests) // 4]} == {"replica1"}
    assert {line["db"] for line in requests[-10:]} == {"default"}


def test_the_front_cache_serves_what_it_holds_until_the_admin_changes_the_catalogue(cluster, settings):
    """Pages, the API, feeds and OAI-PMH come from the front cache once asked; an editor who unpublishes a
    document in the admin (through the same site) sees it gone from all of them on the next request, and
    back when it is published again. Staff are never answered from the front cache."""
    import requests

    from catalogue.models import Document

    site = f"http://127.0.0.1:{PORT}"
    wang_ming = Document.objects.published().filter(people__slug="wang-ming", places__slug="soviet-union")
    document = wang_ming.order_by("-date_start").first()
    public = [
        "/documents/?person=wang-ming&place=soviet-union",
        "/people/wang-ming/",
        f"/documents/{document.slug}/",
        "/api/v1/documents/?person=wang-ming&place=soviet-union&limit=50",
        "/documents/feed.atom?person=wang-ming",
        "/oai/?verb=ListIdentifiers&metadataPrefix=oai_dc",
    ]
    reader = requests.Session()

    def ask(path, session=reader):
        response = session.get(site + path, timeout=30)
        return response.status_code, response.headers.get("X-Front-Cache"), response.text

    for path in public:
        assert ask(path)[:2] == (200, "miss"), path
    held = [ask(path) for path in public]
    assert [(status, through) for status, through, _ in held] == [(200, "hit")] * len(public)
    listing, person, page, api, feed, oai = (text for _, _, text in held)
    assert "1 - 10 of 14" in listing and f"/documents/{document.slug}/" in listing
    assert '"total":{"value":14,"exact":true}' in api and document.slug in api and document.slug in feed
    assert f":{document.slug}</identifier>" in oai and "deleted" not in oai
    # No reader can empty the front cache: a BAN through the site is refused, and the pages stay held.
    assert requests.request("BAN", site + "/", timeout=30).status_code == 405
    assert ask(public[0])[1] == "hit"

    editor = requests.Session()
    # The cluster runs the production settings, whose password hashers the tests' fast one is not among.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.create_superuser("editor", password="a long enough passphrase")
    editor.get(site + "/admin/login/", timeout=30)
    signed_in = editor.post(
        site + "/admin/login/?next=/admin/",
        data={
            "username": "editor",
            "password": "a long enough passphrase",
            "next": "/admin/",
            "csrfmiddlewaretoken": editor.cookies["csrftoken"],
        },  # fmt: skip
        timeout=30,
    )
    assert signed_in.status_code == 200 and "sessionid" in editor.cookies
    # Staff are answered by an app server, privately, even for a page the front cache holds.
    staff_view = editor.get(site + public[0], timeout=30)
    assert staff_view.headers["X-Front-Cache"] == "miss" and "private" in staff_view.headers["Cache-Control"]

    def act(action):
        changelist = site + "/admin/catalogue/document/"
        answer = editor.post(
            changelist,
            data={
                "action": action,
                "_selected_action": [document.pk],
                "index": 0,
                "select_across": 0,
                "csrfmiddlewaretoken": editor.cookies["csrftoken"],
            },  # fmt: skip
            headers={"Referer": changelist},
            timeout=30,
        )
        assert answer.status_code == 200 and "messagelist" in answer.text, answer.text[:500]

    act("unpublish")
    # At once: nothing more from the front cache, and the document gone everywhere.
    after = {path: ask(path) for path in public}
    assert {path: answer[1] for path, answer in after.items()} == dict.fromkeys(public, "miss")
    listing, person, page, api, feed, oai = (answer[2] for answer in after.values())
    assert "1 - 10 of 13" in listing and f"/documents/{document.slug}/" not in listing
    assert after[public[2]][0] in {404, 410}
    assert '"total":{"value":13,"exact":true}' in api and document.slug not in api and document.slug not in feed
    assert 'status="deleted"' in oai
    # A member of staff may open the draft; what they are shown is never kept for readers.
    staff_draft = editor.get(site + public[2], timeout=30)
    assert staff_draft.headers["X-Front-Cache"] == "miss" and "private" in staff_draft.headers["Cache-Control"]
    assert ask(public[2])[:2] == after[public[2]][:2] and ask(public[2])[0] in {404, 410}

    act("publish")
    assert "1 - 10 of 14" in ask(public[0])[2] and ask(public[2])[0] == 200
