"""gunicorn as `make serve` starts it: settings from `.env` as the site's, and slow clients cannot stall it."""

import os
import runpy
import shutil
import socket
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
