"""gunicorn settings for `make serve`, read from the environment or the project's `.env`, as the site's are."""

import multiprocessing
import os
from pathlib import Path

import environ

environ.Env.read_env(Path(__file__).resolve().parent / ".env")  # never overrides the real environment


def _number(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("BIND") or "127.0.0.1:8000"
# Two processes a core, and one more: the usual rule for a server that mostly waits on the database.
workers = _number("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# Threads in each process: a slow client holds one thread, not a whole process, so a handful of slow
# connections cannot stall the site; and a long streamed export is not cut by the worker timeout,
# which with threads watches the process, not the request.
worker_class = "gthread"
threads = _number("GUNICORN_THREADS", 8)
timeout = _number("GUNICORN_TIMEOUT", 60)
# Recycle workers now and then so that memory stays bounded over weeks.
max_requests = _number("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = 500
# The site writes its own line for each request (JSON, with its id and database time); gunicorn's is optional.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"


# Metrics from several processes (PROMETHEUS_MULTIPROC_DIR, an empty folder when gunicorn starts): a process
# that exits is marked so, and its counts stay in the sums /metrics gives.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
