# `make run` and `make test` are all a newcomer needs: each finds a Python 3.12+
# (on PATH or under pyenv), builds .venv and installs what it needs.

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

PYTHON_CANDIDATES := python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) python3
FIND_PYTHON := for p in $(PYTHON_CANDIDATES); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		command -v $$p; exit 0; fi; done; exit 1

.PHONY: help install install-runtime run test lint translations format migrate sample superuser bench clean serve backup restore load cluster

help:
	@echo "make run    install, migrate, load the sample catalogue, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install, then run the whole test suite (browser tests included where Chromium is)"
	@echo "make superuser  an administrator's account for /admin/"
	@echo "make lint   ruff, template indentation, missing migrations, mypy"
	@echo "make translations  gather the interface's strings, write in locale/translations.py's words, compile"
	@echo "make bench  time the listing on a synthetic catalogue"
	@echo "make cluster  HAProxy, two app servers, the worker, Redis, PostgreSQL and a replica, on loopback"
	@echo "make load   the researchers' mix against make cluster, 50 and 200 clients"

# Production needs requirements.txt only; development and tests add requirements-dev.txt and npm's packages.
$(VENV)/.runtime: requirements.txt
	@python=$$($(FIND_PYTHON)) || { echo "Python 3.12 or newer is needed (on PATH or under pyenv)."; exit 1; }; \
	echo "Using $$python"; \
	test -x $(PY) || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt package.json
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: accessibility checks in the browser tests will be skipped."; fi
	@touch $@

install: $(VENV)/.installed

install-runtime: $(VENV)/.runtime

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --no-input

sample: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py load_sample --specimen

run: sample
	@echo "The site: http://$(HOST):$(PORT)/   The admin: http://$(HOST):$(PORT)/admin/ (make superuser makes an account)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

# An administrator's account for the admin (asks for a name and a password).
superuser: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py createsuperuser

test: install
	$(PY) -m pytest -n auto --dist loadgroup

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check $$(git ls-files 'templates/*.html')
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

# The interface's Russian and Chinese: after changing a marked string, and after adding its words to
# locale/translations.py (needs GNU gettext: apt-get install gettext).
translations: install
	DJANGO_DEBUG=true $(PY) manage.py translate

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml $$(git ls-files 'templates/*.html')

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache staticfiles

# The benchmark runs on PostgreSQL, in a database of its own that it builds once and reuses.
BENCH_DATABASE ?= catalogue_bench
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
SIZE ?= 1000000
bench: install
	@psql "$(BENCH_SERVER)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DATABASE)'" | grep -q 1 \
		|| psql "$(BENCH_SERVER)/postgres" -c "CREATE DATABASE $(BENCH_DATABASE)"
	DATABASE_URL=$(BENCH_SERVER)/$(BENCH_DATABASE) DJANGO_SECRET_KEY=benchmark-only $(PY) manage.py migrate --no-input -v 0
	# Kept connections, as served in production (`make cluster`).
	DATABASE_URL=$(BENCH_SERVER)/$(BENCH_DATABASE) DJANGO_SECRET_KEY=benchmark-only DJANGO_CONN_MAX_AGE=60 \
		$(PY) manage.py bench --size $(SIZE) $(BENCH_ARGS)

# Production: hashed, compressed static files, migrations, gunicorn (settings from the environment or .env).
serve: install-runtime
	DJANGO_COLLECTED_STATIC=true $(PY) manage.py collectstatic --no-input -v 0
	DJANGO_COLLECTED_STATIC=true $(PY) manage.py migrate --no-input
	@backend=$$(DJANGO_COLLECTED_STATIC=true $(PY) manage.py shell -v 0 -c "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"); \
	if [ "$$backend" = "django_tasks_db.DatabaseBackend" ]; then \
		echo "Starting the task worker beside gunicorn."; \
		DJANGO_COLLECTED_STATIC=true $(PY) manage.py db_worker --no-reload & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	DJANGO_COLLECTED_STATIC=true $(VENV)/bin/gunicorn archive.wsgi

backup: install-runtime
	$(PY) manage.py backup $(FILE)

restore: install-runtime
	@test -n "$(FILE)" || { echo "make restore FILE=backups/….zip"; exit 1; }
	$(PY) manage.py restore $(FILE) --yes

# On loopback, as on several machines: HAProxy, two gunicorn app servers, the task worker, Redis, the
# PostgreSQL primary and a streaming replica (needs root for the replica's cluster; see docs/deployment.md).
cluster: install-runtime
	deploy/cluster run

# The researchers' mix against `make cluster` on 100,000 documents: 50 and 200 clients, 60 s each, cold and warm.
load: install
	tests/load/run
