"""gunicorn as `make serve` starts it: settings from `.env` as the site's, and slow clients cannot stall it."""

import json
import os
import runpy
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_reads_its_settings_from_the_env_file(tmp_path, monkeypatch):
    for name in ("BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(ROOT / "gunicorn.conf.py", tmp_path)
    (tmp_path / ".env").write_text("BIND=127.0.0.1:9123\nWEB_CONCURRENCY=3\nGUNICORN_TIMEOUT=300\nGUNICORN_THREADS=\n")
    config = runpy.run_path(str(tmp_path / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"], config["timeout"], config["threads"]) == ("127.0.0.1:9123", 3, 300, 8)
    for name in ("BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        os.environ.pop(name, None)  # read_env wrote them into this process


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_slow_clients_do_not_stall_the_site(tmp_path):
    """More slow clients than processes, each sending half a request body and waiting: others still get in."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "WEB_", "BIND"))},
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DJANGO_SECRET_KEY": "serving-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "archive.wsgi"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/robots.txt"
    slow = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(6):
            connection = socket.create_connection(("127.0.0.1", port))
            connection.sendall(
                b"POST /oai/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\nverb=Id"
            )
            slow.append(connection)
        time.sleep(0.5)
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 5
    finally:
        for connection in slow:
            connection.close()
        server.terminate()
        server.wait(timeout=10)


def start_gunicorn(tmp_path, database, **settings):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "WEB_", "BIND"))},
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DJANGO_SECRET_KEY": "serving-test-only",
        "DATABASE_URL": database,
        "BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        **settings,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "archive.wsgi"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1).read()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("gunicorn did not start")


def dechunked(body):
    """The payload of a chunked HTTP body; fails if the body stops before its last chunk."""
    payload = bytearray()
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return bytes(payload)
        assert len(body) >= size + 2, "the body was cut off"
        payload += body[:size]
        body = body[size + 2 :]


def test_a_long_export_to_a_slow_reader_is_not_cut_at_the_worker_timeout(tmp_path):
    """A reader who pauses longer than the worker timeout midway still receives the whole export."""
    path = tmp_path / "export.sqlite3"
    database = f"sqlite:///{path}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DJANGO_SECRET_KEY": "serving-test-only",
        "DATABASE_URL": database,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "generate_documents", "8000", "--no-progress"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    server, port = start_gunicorn(tmp_path, database, WEB_CONCURRENCY="1", GUNICORN_TIMEOUT="2")
    try:
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", port))
        reader.sendall(b"GET /documents/export.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = bytearray(reader.recv(4096))
        time.sleep(6)  # three worker timeouts with the reader's window full
        while chunk := reader.recv(65536):
            received += chunk
        reader.close()
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        with sqlite3.connect(path) as db:
            (published,) = db.execute("SELECT count(*) FROM catalogue_document WHERE status = 'published'").fetchone()
        assert len(json.loads(dechunked(body))) == published > 6000
    finally:
        server.terminate()
        server.wait(timeout=10)
