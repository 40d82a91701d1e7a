"""gunicorn as `make serve` starts it: its settings come from `.env` as the site's do."""

import os
import runpy
import shutil
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
