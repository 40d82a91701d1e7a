"""Settings for the catalogue, read from the environment (or a `.env` file).

Every value has a default that is safe for a developer's machine; production
sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL explicitly.
"""

import warnings
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A fixed key is only acceptable where nothing is served to the public.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local development).")
    SECRET_KEY = "local-development-only-not-secret"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "axes",
    "django_tasks_db",
    "corsheaders",
    "ninja",  # the API's documentation page, with its own copy of Swagger UI
    "catalogue",
]

MIDDLEWARE = [
    "catalogue.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "catalogue.languages.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "catalogue.replicas.ReadReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "catalogue.caching.PublicPageCache",
    "catalogue.middleware.ControlCharacterFilter",
    "catalogue.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalogue.context_processors.catalogue",
                "catalogue.languages.alternates",
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
# A kept connection the database has dropped is noticed before a request uses it, not by a 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# PostgreSQL without its JIT compiler: the catalogue's statements are short, and a large one's compiling
# (seconds for an export of 100,000 documents, whose joins the planner estimates at 10^24 rows) is never won
# back by its running. Another value can be given in the URL (`?options=-c%20jit%3Don`).
_NO_JIT = "-c jit=off"
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", _NO_JIT)

# Read replicas (PostgreSQL streaming replicas of the primary), comma-separated URLs: an anonymous reader's
# pages are read from one that is up and no more than CATALOGUE_REPLICA_MAX_LAG_SECONDS behind; writes,
# staff and everything else use the primary (`catalogue.replicas`).
CATALOGUE_READ_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = env.db_url_config(_url)
    _replica.setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    _replica.setdefault("CONN_HEALTH_CHECKS", True)
    if _replica["ENGINE"].endswith("postgresql"):
        # A replica's host that does not answer is given up on quickly, and the primary read instead.
        _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
        _replica["OPTIONS"].setdefault("options", _NO_JIT)
    # Tests read the replica of the test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    CATALOGUE_READ_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["catalogue.replicas.ReplicaRouter"]
CATALOGUE_REPLICA_MAX_LAG_SECONDS = env.float("CATALOGUE_REPLICA_MAX_LAG_SECONDS", default=5.0)
# On PostgreSQL, a kept connection (DJANGO_CONN_MAX_AGE) prepares the statements every request asks the same
# way and PostgreSQL plans them once; off behind a pooler that hands a session's statements to another (PgBouncer
# before 1.21 in transaction mode).
CATALOGUE_PREPARED_STATEMENTS = env.bool("CATALOGUE_PREPARED_STATEMENTS", default=True)
CATALOGUE_REPLICA_CHECK_SECONDS = env.float("CATALOGUE_REPLICA_CHECK_SECONDS", default=2.0)


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface speaks English, Russian and Chinese (simplified); catalogue data stays as catalogued.
# English pages have no prefix, the others /ru/ and /zh-hans/ (docs/development.md: adding a language).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The cache (the API's request counts, for now): local memory by default, nothing to set up; production
# sets CACHE_URL (e.g. redis://127.0.0.1:6379/1) so that every process and server counts alike.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "catalogue.cache.RedisCache"  # Django's, with its Redis clients reused
# The parts of every page that hang on nothing but the language and the address of the site (its header,
# footer, search hint and the script's words), rendered once by each process and kept in its own memory
# (`{% cache ... using="fragments" %}`).
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# Public pages for anonymous readers: kept in the cache under the catalogue's version (any public change
# is seen at once), and cacheable by browsers and proxies for a minute, served stale while revalidated.
CATALOGUE_PAGE_CACHE_SECONDS = env.int("CATALOGUE_PAGE_CACHE_SECONDS", default=24 * 60 * 60)
CATALOGUE_PUBLIC_MAX_AGE = env.int("CATALOGUE_PUBLIC_MAX_AGE", default=60)
CATALOGUE_PUBLIC_STALE_SECONDS = env.int("CATALOGUE_PUBLIC_STALE_SECONDS", default=300)
# Front caches (Varnish; `make cluster` runs one): the addresses their bans are sent to. With any, the pages
# kept for anonymous readers are marked for them (`Surrogate-Control`) for at most this long, to the end of the
# day, and every public change bans all they hold. None by default: no front cache.
CATALOGUE_FRONT_CACHES = env.list("CATALOGUE_FRONT_CACHES", default=[])
CATALOGUE_FRONT_CACHE_SECONDS = env.int("CATALOGUE_FRONT_CACHE_SECONDS", default=60 * 60)

# The research API (/api/v1/): requests allowed per client address, and how long answers may be cached.
CATALOGUE_API_RATE = env.str("CATALOGUE_API_RATE", default="600/min")
CATALOGUE_API_MAX_AGE = env.int("CATALOGUE_API_MAX_AGE", default=60)
# Any site may read the API from a browser; nothing else is shared across origins.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")
NINJA_PAGINATION_MAX_LIMIT = 500

# Fixtures and backups keep timestamps to the microsecond (Django's JSON stops at the millisecond).
SERIALIZATION_MODULES = {"json": "catalogue.serializers.exact_json"}

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Before `collectstatic` has run, whitenoise serves from the finders and need not warn about it.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
# Documents' files (scans and the images made of them) and uploads waiting for an import: the local folder
# MEDIA_ROOT by default; any S3-compatible object store when CATALOGUE_S3_BUCKET is set (django-storages).
# Either way they are served only through the views that check publication, never from the store directly.
_S3_BUCKET = env.str("CATALOGUE_S3_BUCKET", default="")
_DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if _S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            "endpoint_url": env.str("CATALOGUE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CATALOGUE_S3_REGION", default="") or None,
            "access_key": env.str("CATALOGUE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("CATALOGUE_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("CATALOGUE_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        # Production (`make serve`) serves compressed files with hashed names after collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_COLLECTED_STATIC", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Uploads (import files waiting for their import) in the default storage, readable by the site alone.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Uploads past 2.5 MB go to a temporary file as they arrive, never held in memory (Django's default).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The largest original file received, in bytes (200 MB).
CATALOGUE_MAX_FILE_SIZE = env.int("CATALOGUE_MAX_FILE_SIZE", default=200 * 1_000_000)
# Pages read by Tesseract at once while a file's derivatives are made.
CATALOGUE_OCR_THREADS = env.int("CATALOGUE_OCR_THREADS", default=2)
# After the publication check, hand a file's bytes to the front web server instead of reading them here:
# "nginx" answers with X-Accel-Redirect under CATALOGUE_FILES_ACCEL_PREFIX (an internal location aliased to
# MEDIA_ROOT), "sendfile" with X-Sendfile and the file's path (Apache, lighttpd). Empty: the app sends them.
CATALOGUE_FILES_ACCEL = env.str("CATALOGUE_FILES_ACCEL", default="")
CATALOGUE_FILES_ACCEL_PREFIX = env.str("CATALOGUE_FILES_ACCEL_PREFIX", default="/protected-media/")

# Background work (imports confirmed in the admin). By default a task runs at once, inside the request
# that asks for it: nothing to start for `make run`. Production sets the database backend, whose worker
# `make serve` starts beside gunicorn (`python manage.py db_worker`).
TASKS = {
    "default": {
        "BACKEND": env.str("CATALOGUE_TASKS_BACKEND", default="django.tasks.backends.immediate.ImmediateBackend"),
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Served over HTTPS behind a proxy that terminates TLS and sets X-Forwarded-Proto.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

# No inline script or style anywhere: everything comes from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # The one style element the page viewer (OpenSeadragon) writes, allowed by its hash; no other inline style.
    "style-src": [CSP.SELF, "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Admin logins: after 5 failures for one username from one address, wait an hour.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("DJANGO_LOGIN_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# How many proxies in front of the site append to X-Forwarded-For (0: none, use the peer address);
# the client is read from the right of that header, never from what the client itself wrote there.
CATALOGUE_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "catalogue.clients.client_address"

# What the public pages call the catalogue, in headings and citations.
CATALOGUE_NAME = env.str("CATALOGUE_NAME", default="Digital Archive of Historical Documents")

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Shown to harvesters in OAI-PMH Identify.
# OAI-PMH Identify must give an address of the form name@host.domain; the default is a reserved example domain.
CATALOGUE_ADMIN_EMAIL = env.str("CATALOGUE_ADMIN_EMAIL", default="catalogue@example.org")
# The namespace in OAI identifiers (oai:NAMESPACE:slug): the site's domain name, set once and never changed,
# for a record's identifier is how harvesters know it. `manage.py check --deploy` warns while it is the example.
CATALOGUE_OAI_NAMESPACE = env.str("CATALOGUE_OAI_NAMESPACE", default="catalogue.example.org")
CATALOGUE_OAI_PAGE_SIZE = env.int("CATALOGUE_OAI_PAGE_SIZE", default=100)

# Searches are counted up to this many results ("more than 10,000" past it).
CATALOGUE_COUNT_CAP = env.int("CATALOGUE_COUNT_CAP", default=10_000)
# Facets and the timeline of result sets larger than the cap are counted over a sample of this many of
# them (at most the cap), and say so: facets cost time in proportion to the documents they count.
CATALOGUE_FACET_SAMPLE = env.int("CATALOGUE_FACET_SAMPLE", default=500)
# Results beyond this position cannot be paged to; a narrower search can reach them.
CATALOGUE_MAX_BROWSABLE = env.int("CATALOGUE_MAX_BROWSABLE", default=100_000)

# The log goes to stderr, which production's process manager keeps: one JSON line per request (method,
# path, status, duration, database time and statements, the database read, the request's id) and errors
# (a 500 with its traceback, a database unreachable) with the same id, which the error page shows.
# CATALOGUE_LOG_FORMAT=plain gives lines for a person at a terminal (the default under DJANGO_DEBUG).
CATALOGUE_ACCESS_LOG = env.bool("CATALOGUE_ACCESS_LOG", default=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "catalogue.middleware.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "catalogue.middleware.JsonLines"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s request=%(request_id)s %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env.str("CATALOGUE_LOG_FORMAT", default="plain" if DEBUG else "json"),
        },
    },
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "catalogue": {"handlers": ["stderr"], "level": env.str("CATALOGUE_LOG_LEVEL", default="INFO")},
    },
}

# /metrics (Prometheus) answers only these networks, or a scraper sending "Authorization: Bearer <token>".
CATALOGUE_METRICS_ALLOWED_NETWORKS = env.list("CATALOGUE_METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
CATALOGUE_METRICS_TOKEN = env.str("CATALOGUE_METRICS_TOKEN", default="")
