"""One gunicorn worker on a free loopback port, for the benchmark's measures of a real web process."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


@contextmanager
def gunicorn_worker(timeout=60):
    """Yield (port, the worker's process id) once the server answers; stop it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "benchmark-only"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "archive.wsgi", "--workers", "1", "--timeout", str(timeout),
         "--bind", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        worker = int(children.read_text().split()[0]) if children.exists() else server.pid
        yield port, worker
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def memory_mb(pid, field="VmRSS"):
    """A process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0
