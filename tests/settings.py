"""The project's settings, with the one value production must set given a throwaway for tests."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")

from archive.settings import *  # noqa: E402, F403

# Hashing passwords slowly is for real accounts, not fixtures.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Uploads made by tests go to a folder of their own, never into the project.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.gettempdir()) / f"catalogue-test-media-{os.getpid()}"

# With a shared cache (CI sets CACHE_URL to Redis), each test process keeps to a database of its own, so
# that emptying it between tests never touches another process's (rate counts, pages).
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    CACHES["default"]["LOCATION"] = CACHES["default"]["LOCATION"].rsplit("/", 1)[0] + f"/{2 + _worker}"  # noqa: F405

# Tests ask the API far more often than any reader: the rate limit is tested on its own, with a low one.
CATALOGUE_API_RATE = "1000000/min"

# A replica named in DATABASE_REPLICA_URLS (CI's PostgreSQL run) sees only what is committed, and most tests
# never commit: public reads go to it only in the tests that turn it on (tests/test_replicas.py).
CATALOGUE_READ_REPLICAS = []

# SQLite's tests run on a file in memory-backed storage, not in SQLite's own memory: an in-memory database is
# one connection, which Django's live server shares between its threads and the test's, and Django's testing
# documentation warns that queries at once on it "may sometimes randomly cause the tests to fail" (a browser's
# parallel autocomplete requests lost the administrator's session that way, now and then).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    _shared = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    DATABASES["default"]["TEST"] = {"NAME": str(_shared / f"catalogue-test-{os.getpid()}.sqlite3")}  # noqa: F405
