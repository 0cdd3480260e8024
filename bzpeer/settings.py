"""BZPEER settings, read from the environment (django-environ).

With nothing set, BZPEER runs on its embedded default: a SQLite file under
``var/``, Celery tasks run in-process, a local-memory cache, DEBUG on and
e-mail printed to the console. Production sets ``DJANGO_DEBUG=False`` and
must then provide a real ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``;
the settings refuse to start with the insecure defaults.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
_INSECURE_KEY = "django-insecure-bzpeer-development-key-do-not-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=_INSECURE_KEY)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG and SECRET_KEY == _INSECURE_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
# ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'bzpeer.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # A busy timeout keeps the in-process import and page views from
    # tripping over SQLite's single writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            # WAL lets pages read while an import writes; NORMAL syncs at
            # checkpoints instead of every commit (safe with WAL).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "publications",
    "profiles",
    "graph",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "bzpeer.urls"
WSGI_APPLICATION = "bzpeer.wsgi.application"

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
            ],
        },
    },
]

# STATIC FILES (whitenoise)
# https://whitenoise.readthedocs.io/
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# AUTHENTICATION (django-allauth)
# https://docs.allauth.org/en/latest/account/configuration.html
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# ORCID sign-in (allauth's ORCID provider). The iD it authenticates is the
# only ORCID that proves a claim. ORCID_SANDBOX=True uses sandbox.orcid.org.
# https://docs.allauth.org/en/latest/socialaccount/providers/orcid.html
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "orcid": {
        "BASE_DOMAIN": "sandbox.orcid.org"
        if env.bool("ORCID_SANDBOX", default=False)
        else "orcid.org",
        "MEMBER_API": False,
        "APPS": (
            [
                {
                    "client_id": env("ORCID_CLIENT_ID"),
                    "secret": env("ORCID_SECRET"),
                    "key": "",
                }
            ]
            if env("ORCID_CLIENT_ID", default="")
            else []
        ),
    }
}

# E-MAIL
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="BZPEER <noreply@bzpeer.localhost>"
)

# CACHE AND CELERY
# Without REDIS_URL: local-memory cache and tasks run in-process (eager).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery acquires a producer even for an eager task; the in-memory URL names
# a host so that kombu does not warn on every import ("No hostname was
# supplied").
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True  # safe: every task is idempotent
CELERY_TASK_TIME_LIMIT = 6 * 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 6 * 60 * 60 - 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ROUTES = {"publications.*": {"queue": "imports"}}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Rebuild graph slices in a worker after imports (useful with a shared
# Redis cache; without one, pages build slices on demand).
GRAPH_PRECOMPUTE = env.bool("GRAPH_PRECOMPUTE", default=bool(REDIS_URL))

# REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "user": "600/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BZPEER API",
    "DESCRIPTION": "Public author records, works and trust figures.",
    "VERSION": "1",
}

# BZPEER: external sources
# The contact e-mail travels in the User-Agent of every request to the
# scholarly APIs, as their polite-use rules ask.
# ------------------------------------------------------------------------------
BZPEER_CONTACT_EMAIL = env("BZPEER_CONTACT_EMAIL", default="admin@bzpeer.localhost")
ARXIV_API_URL = env("ARXIV_API_URL", default="https://export.arxiv.org/api/query")
ARXIV_MIN_INTERVAL = env.float("ARXIV_MIN_INTERVAL", default=3.0)
ARXIV_OAI_URL = env("ARXIV_OAI_URL", default="https://export.arxiv.org/oai2")
# The set the daily incremental harvest asks for ("" = all of arXiv).
ARXIV_OAI_SET = env("ARXIV_OAI_SET", default="")
# OpenAlex: the polite pool asks for a mailto (sent as a parameter too) and
# allows 10 requests a second; an API key lifts the daily limit.
OPENALEX_API_URL = env("OPENALEX_API_URL", default="https://api.openalex.org")
OPENALEX_API_KEY = env("OPENALEX_API_KEY", default="")
OPENALEX_MIN_INTERVAL = env.float("OPENALEX_MIN_INTERVAL", default=0.1)
# Crossref: mailto in the User-Agent puts us in the polite pool.
CROSSREF_API_URL = env("CROSSREF_API_URL", default="https://api.crossref.org")
CROSSREF_MIN_INTERVAL = env.float("CROSSREF_MIN_INTERVAL", default=0.2)
# ORCID public API v3 (pub.orcid.org), JSON with Accept: application/json.
ORCID_API_URL = env("ORCID_API_URL", default="https://pub.orcid.org/v3.0")
ORCID_MIN_INTERVAL = env.float("ORCID_MIN_INTERVAL", default=0.1)
# Semantic Scholar Graph API: unauthenticated callers share a low limit; a
# key (x-api-key header) gives one request a second.
SEMANTIC_SCHOLAR_API_URL = env(
    "SEMANTIC_SCHOLAR_API_URL", default="https://api.semanticscholar.org/graph/v1"
)
SEMANTIC_SCHOLAR_API_KEY = env("SEMANTIC_SCHOLAR_API_KEY", default="")
SEMANTIC_SCHOLAR_MIN_INTERVAL = env.float("SEMANTIC_SCHOLAR_MIN_INTERVAL", default=1.1)
HTTP_TIMEOUT = env.float("HTTP_TIMEOUT", default=30.0)
# First retry delay in seconds; it doubles at each retry (Retry-After wins).
HTTP_RETRY_BACKOFF = env.float("HTTP_RETRY_BACKOFF", default=5.0)
IMPORT_MAX_PAYLOAD_BYTES = env.int("IMPORT_MAX_PAYLOAD_BYTES", default=50 * 1024 * 1024)
# arxiv-snapshot runs on PostgreSQL write pages set-based (COPY, see
# publications.services.snapshot_bulk); False forces the per-record path.
SNAPSHOT_SET_BASED = env.bool("SNAPSHOT_SET_BASED", default=True)
# The set-based path writes rows that cannot break a foreign key (it locks
# what they refer to); where the database role may, it skips PostgreSQL's
# per-row checks of them (snapshot_bulk._page_settings). False keeps them.
SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS = env.bool(
    "SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS", default=True
)
# Processes that parse snapshot lines beside the one writing (0: parse
# inline): a re-load of unchanged lines is all parsing. Two, even on two
# cores (measured, 100,000 records: cold 2,907 records/s against 2,827 with
# one; unchanged 7,959 against 4,865): they parse only two pages ahead
# each, so while the writer and PostgreSQL are the slower side they wait.
SNAPSHOT_PARSE_WORKERS = env.int("SNAPSHOT_PARSE_WORKERS", default=2)
# Set-based runs write each page in a second thread while the next page is
# planned (snapshot_bulk.pages_write), so Python and PostgreSQL overlap, and
# recount their authors two batches at a time. False does both in one thread.
SNAPSHOT_PIPELINE = env.bool("SNAPSHOT_PIPELINE", default=True)

# SECURITY (production; `manage.py check --deploy` passes with DEBUG off)
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int(
        "DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "verbose"}},
    "root": {"level": env("LOG_LEVEL", default="INFO"), "handlers": ["console"]},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task is noise when tasks run in-process.
        "celery.app.trace": {"level": "WARNING" if not REDIS_URL else "INFO"},
    },
}

# Periodic tasks, one place (https://crontab.guru/#30_3_*_*_*)
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "recompute-all-trust-figures-nightly": {
        "task": "profiles.author_standings_recompute_all",
        "schedule": crontab(minute=30, hour=3),
    },
    # https://crontab.guru/#15_4_*_*_* (after the trust figures)
    "recompute-similarities-nightly": {
        "task": "graph.similarities_recompute",
        "schedule": crontab(minute=15, hour=4),
    },
    # https://crontab.guru/#0_5_*_*_* (arXiv announces at 00:00 UTC; OAI
    # datestamps of the day are in place a few hours later)
    "harvest-arxiv-oai-daily": {
        "task": "publications.arxiv_oai_harvest_incremental",
        "schedule": crontab(minute=0, hour=5),
    },
}

# BZPEER: claims
# ------------------------------------------------------------------------------
# The site's public address, for links in e-mails.
BZPEER_SITE_URL = env("BZPEER_SITE_URL", default="http://127.0.0.1:8000")
CLAIM_EMAIL_LINK_HOURS = env.int("CLAIM_EMAIL_LINK_HOURS", default=48)
