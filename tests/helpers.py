from bs4 import BeautifulSoup


def html(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(node):
    """The visible text of a node with white space folded, as a reader sees it."""
    return " ".join(node.get_text(" ").split()) if node else ""


def result_titles(response):
    return [text_of(a) for a in html(response).select(".results .result__title a")]


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def client_tool(*parts, command=None):
    """A test client installed by `make install` (npm's packages, Java, Node.js): its path under the project
    (or `command` on PATH). Missing, the test is skipped, or fails where CATALOGUE_REQUIRE_CLIENTS is set (CI)."""
    import os
    import shutil

    import pytest

    missing = [name for name in ([command] if command else []) + ["node"] if not shutil.which(name)]
    path = ROOT.joinpath(*parts) if parts else None
    if path is not None and not path.exists():
        missing.append(str(path.relative_to(ROOT)))
    if missing:
        message = f"needs {', '.join(missing)} (make install puts npm's packages in node_modules)"
        if os.environ.get("CATALOGUE_REQUIRE_CLIENTS"):
            pytest.fail(f"{message}; CATALOGUE_REQUIRE_CLIENTS is set, so client checks may not be skipped.")
        pytest.skip(message)
    return path


def require_replica(*commands):
    """At a module's top: skip it unless DATABASE_REPLICA_URLS names a PostgreSQL replica (and `commands` are
    on PATH), or fail where CATALOGUE_REQUIRE_REPLICA is set (CI's PostgreSQL run, which starts them)."""
    import os
    import shutil

    import pytest
    from django.conf import settings

    missing = []
    if "replica1" not in settings.DATABASES or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        missing.append("a PostgreSQL replica in DATABASE_REPLICA_URLS (deploy/replica makes one)")
    missing += [command for command in commands if not shutil.which(command)]
    if missing:
        message = f"needs {', '.join(missing)}"
        if os.environ.get("CATALOGUE_REQUIRE_REPLICA"):
            pytest.fail(
                f"{message}; CATALOGUE_REQUIRE_REPLICA is set, so these tests may not be skipped.", pytrace=False
            )
        pytest.skip(message, allow_module_level=True)


def one_at_a_time(name):
    """A fixture holding a lock on `name` across test processes while each test that uses it runs: the tests
    that stop and start the one replica, or bind the cluster's ports, never run at once. (`xdist_group` says
    the same to pytest-xdist, whose grouping pytest 9 no longer honours: it renames items by an attribute
    pytest 9 does not read.)"""
    import fcntl
    import tempfile
    from pathlib import Path

    import pytest

    @pytest.fixture(autouse=True)
    def held():
        with open(Path(tempfile.gettempdir()) / f"catalogue-tests-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    return held


# The seed's note on Wang Ming was written for the catalogue's makers ("the shared person tag of the seed
# listing"); the sample says it for readers.
READER_NOTES = {"wang-ming": "Chinese Communist Party leader and Comintern figure."}


# What a browser sends with a document's admin form for its texts and files when it adds none of either.
NO_INLINES = {
    f"{prefix}-{name}": value
    for prefix in ("files", "texts")
    for name, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))
}


def require_ocr():
    """Skip a test that reads scanned pages unless Tesseract is installed, or fail where CATALOGUE_REQUIRE_CLIENTS
    is set (CI installs it)."""
    import os

    import pytest

    from catalogue import reading

    if not reading.ocr_available():
        message = "needs Tesseract (apt-get install tesseract-ocr tesseract-ocr-rus tesseract-ocr-chi-sim)"
        if os.environ.get("CATALOGUE_REQUIRE_CLIENTS"):
            pytest.fail(f"{message}; CATALOGUE_REQUIRE_CLIENTS is set, so it may not be skipped.")
        pytest.skip(message)
